#!/bin/sh
# Creates Escucha's bucket in MinIO (idempotent) and turns on versioning so a deleted recording can be audited.
set -eu
until mc alias set local http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null 2>&1; do sleep 1; done
mc mb --ignore-existing "local/${ESCUCHA_S3_BUCKET}"
mc version enable "local/${ESCUCHA_S3_BUCKET}"
echo "bucket ${ESCUCHA_S3_BUCKET} ready"
