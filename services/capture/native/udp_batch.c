/*
 * Batched UDP receive for Escucha's RTP ports (Linux).
 *
 * Node's dgram module wakes JavaScript once per datagram and allocates a Buffer and an address object for each,
 * which costs more than the rest of recording a G.711 packet. Here every RTP/RTCP socket of a capture process joins
 * one epoll set; a drain call reads every ready socket with recvmmsg and copies the datagrams, densely, into one
 * caller-supplied buffer, with a table of (token, offset, length, kernel arrival time in ms) per datagram. The caller
 * decides when to drain (a short timer), so one JavaScript call handles hundreds of packets under load.
 *
 * sendBatch is the sending half, used by the capture benchmark's traffic generator: sendmmsg of many datagrams to
 * many ports of one host.
 *
 * Nothing here keeps a reference to JavaScript values between calls. A group is an external with a finalizer.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
/* Larger than any UDP payload over IPv4 or IPv6 without jumbograms, so no datagram is ever truncated. */
#define SLOT 65536
#define EVENTS 512

typedef struct {
  int epfd;
  unsigned char *scratch;
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  char control[BATCH][CMSG_SPACE(sizeof(struct timespec))];
  /* Datagrams already read from a socket that did not fit in the caller's buffer: delivered by the next drain. */
  uint32_t pending_token;
  int pending_from;
  int pending_count;
  struct epoll_event events[EVENTS];
} group_t;

static const char *errno_code(int e) {
  switch (e) {
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EACCES: return "EACCES";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOMEM: return "ENOMEM";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EBADF: return "EBADF";
    default: return "ESYSCALL";
  }
}

static napi_value throw_errno(napi_env env, const char *what, int e) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(e));
  napi_throw_error(env, errno_code(e), message);
  return NULL;
}

/* The arguments of a call: argc (how many were given) and argv[n]. */
#define ARGS(n)          \
  size_t argc = (n);     \
  napi_value argv[(n)];  \
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL)

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG", message);
  return NULL;
}

static void group_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  group_t *g = data;
  if (g->epfd >= 0) close(g->epfd);
  free(g->scratch);
  free(g);
}

static group_t *group_arg(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    throw_type(env, "expected a receive group");
    return NULL;
  }
  return data;
}

static int int_arg(napi_env env, napi_value value, int32_t *out) {
  return napi_get_value_int32(env, value, out) == napi_ok;
}

static napi_value number(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

/* Parses host (IPv4 or IPv6 literal) and port into addr; returns its length, 0 when host is not an address. */
static socklen_t make_address(napi_env env, napi_value host_value, int port, struct sockaddr_storage *addr) {
  char host[64];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, host_value, host, sizeof host, &len) != napi_ok) return 0;
  memset(addr, 0, sizeof *addr);
  struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
  if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    return sizeof *v4;
  }
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;
  if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    return sizeof *v6;
  }
  return 0;
}

/* createGroup(): a receive group (epoll set and scratch space). */
static napi_value create_group(napi_env env, napi_callback_info info) {
  (void)info;
  group_t *g = calloc(1, sizeof *g);
  if (!g) return throw_errno(env, "createGroup", ENOMEM);
  g->scratch = malloc((size_t)BATCH * SLOT);
  g->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (!g->scratch || g->epfd < 0) {
    int e = g->scratch ? errno : ENOMEM;
    if (g->epfd >= 0) close(g->epfd);
    free(g->scratch);
    free(g);
    return throw_errno(env, "createGroup", e);
  }
  for (int i = 0; i < BATCH; i++) {
    g->iov[i].iov_base = g->scratch + (size_t)i * SLOT;
    g->iov[i].iov_len = SLOT;
    g->msgs[i].msg_hdr.msg_iov = &g->iov[i];
    g->msgs[i].msg_hdr.msg_iovlen = 1;
    g->msgs[i].msg_hdr.msg_control = g->control[i];
    /* msg_name stays NULL (the sender's address is not needed); msg_controllen is reset before each read. */
  }
  napi_value out;
  if (napi_create_external(env, g, group_finalize, NULL, &out) != napi_ok) {
    group_finalize(env, g, NULL);
    return NULL;
  }
  return out;
}

static int open_socket(const struct sockaddr_storage *addr, socklen_t addrlen, int rcvbuf, int *error) {
  int fd = socket(addr->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = errno;
    return -1;
  }
  if (addr->ss_family == AF_INET6) {
    /* Dual stack, as Node's udp6 sockets: "::" also receives IPv4. */
    int only = 0;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &only, sizeof only);
  }
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (bind(fd, (const struct sockaddr *)addr, addrlen) < 0) {
    *error = errno;
    close(fd);
    return -1;
  }
  return fd;
}

/* bindUdp(group, host, port, receiveBufferBytes, token): binds a socket into the group; returns its fd. */
static napi_value bind_udp(napi_env env, napi_callback_info info) {
  ARGS(5);
  if (argc < 5) return throw_type(env, "bindUdp(group, host, port, receiveBufferBytes, token)");
  group_t *g = group_arg(env, argv[0]);
  if (!g) return NULL;
  int32_t port, rcvbuf;
  uint32_t token;
  if (!int_arg(env, argv[2], &port) || port < 0 || port > 65535) return throw_type(env, "port must be 0-65535");
  if (!int_arg(env, argv[3], &rcvbuf)) return throw_type(env, "receiveBufferBytes must be an integer");
  if (napi_get_value_uint32(env, argv[4], &token) != napi_ok) return throw_type(env, "token must be a uint32");
  struct sockaddr_storage addr;
  socklen_t addrlen = make_address(env, argv[1], port, &addr);
  if (!addrlen) return throw_type(env, "host must be an IPv4 or IPv6 address");
  int error = 0;
  int fd = open_socket(&addr, addrlen, rcvbuf, &error);
  if (fd < 0) return throw_errno(env, "bind", error);
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  struct epoll_event ev = {.events = EPOLLIN};
  ev.data.u64 = ((uint64_t)token << 32) | (uint32_t)fd;
  if (epoll_ctl(g->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, "epoll_ctl", e);
  }
  return number(env, fd);
}

/* openSender(host): an unbound-port UDP socket for sendBatch; returns its fd. */
static napi_value open_sender(napi_env env, napi_callback_info info) {
  ARGS(1);
  if (argc < 1) return throw_type(env, "openSender(host)");
  struct sockaddr_storage addr;
  socklen_t addrlen = make_address(env, argv[0], 0, &addr);
  if (!addrlen) return throw_type(env, "host must be an IPv4 or IPv6 address");
  int error = 0;
  int fd = open_socket(&addr, addrlen, 0, &error);
  if (fd < 0) return throw_errno(env, "bind", error);
  int sndbuf = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  return number(env, fd);
}

/* boundPort(fd): the local port a socket is bound to. */
static napi_value bound_port(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t fd;
  if (argc < 1 || !int_arg(env, argv[0], &fd)) return throw_type(env, "boundPort(fd)");
  struct sockaddr_storage addr;
  socklen_t len = sizeof addr;
  if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0) return throw_errno(env, "getsockname", errno);
  int port = addr.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&addr)->sin6_port)
                                        : ntohs(((struct sockaddr_in *)&addr)->sin_port);
  return number(env, port);
}

/* closeUdp(group | null, fd): leaves the group and closes the socket. */
static napi_value close_udp(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t fd;
  if (argc < 2 || !int_arg(env, argv[1], &fd) || fd < 0) return throw_type(env, "closeUdp(group, fd)");
  napi_valuetype type;
  napi_typeof(env, argv[0], &type);
  if (type == napi_external) {
    group_t *g = group_arg(env, argv[0]);
    if (!g) return NULL;
    epoll_ctl(g->epfd, EPOLL_CTL_DEL, fd, NULL);
  }
  close(fd);
  return NULL;
}

static double arrival_ms(struct msghdr *hdr, double now_ms) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(hdr); c != NULL; c = CMSG_NXTHDR(hdr, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec ts;
      memcpy(&ts, CMSG_DATA(c), sizeof ts);
      return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
    }
  }
  return now_ms;
}

static double wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

typedef struct {
  unsigned char *out;
  size_t capacity;
  size_t used;
  double *meta;
  size_t max_packets;
  size_t count;
  double now_ms;
} sink_t;

/* Copies pending datagrams into the sink; returns 0 when the sink filled before all were copied. */
static int flush_pending(group_t *g, sink_t *s) {
  while (g->pending_count > 0) {
    int i = g->pending_from;
    size_t len = g->msgs[i].msg_len;
    if (s->count >= s->max_packets || s->used + len > s->capacity) return 0;
    memcpy(s->out + s->used, g->scratch + (size_t)i * SLOT, len);
    double *m = s->meta + s->count * 4;
    m[0] = g->pending_token;
    m[1] = (double)s->used;
    m[2] = (double)len;
    m[3] = arrival_ms(&g->msgs[i].msg_hdr, s->now_ms);
    s->used += len;
    s->count++;
    g->pending_from++;
    g->pending_count--;
  }
  return 1;
}

/*
 * drain(group, out: Uint8Array, meta: Float64Array): reads the sockets ready now (up to EVENTS of them) until the
 * buffer or the table is full; returns the number of datagrams, 0 when none was ready. The caller calls again for
 * what is left. meta[4i..4i+3] = token, offset, length, arrival (ms since the epoch, the kernel's receive time).
 */
static napi_value drain(napi_env env, napi_callback_info info) {
  ARGS(3);
  if (argc < 3) return throw_type(env, "drain(group, out, meta)");
  group_t *g = group_arg(env, argv[0]);
  if (!g) return NULL;
  napi_typedarray_type type;
  size_t length, offset;
  void *data;
  napi_value ab;
  sink_t s = {0};
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &data, &ab, &offset) != napi_ok || type != napi_uint8_array)
    return throw_type(env, "out must be a Uint8Array");
  s.out = data;
  s.capacity = length;
  if (napi_get_typedarray_info(env, argv[2], &type, &length, &data, &ab, &offset) != napi_ok ||
      type != napi_float64_array)
    return throw_type(env, "meta must be a Float64Array");
  s.meta = data;
  s.max_packets = length / 4;
  s.now_ms = wall_ms();

  if (!flush_pending(g, &s)) return number(env, (double)s.count);
  int n = epoll_wait(g->epfd, g->events, EVENTS, 0);
  for (int e = 0; e < n; e++) {
    int fd = (int)(uint32_t)g->events[e].data.u64;
    uint32_t token = (uint32_t)(g->events[e].data.u64 >> 32);
    for (;;) {
      if (s.count >= s.max_packets) return number(env, (double)s.count);
      for (int i = 0; i < BATCH; i++) g->msgs[i].msg_hdr.msg_controllen = sizeof g->control[i];
      int r = recvmmsg(fd, g->msgs, BATCH, MSG_DONTWAIT, NULL);
      if (r <= 0) break; /* EAGAIN, or an error queued on the socket (ICMP): it is read again next time */
      g->pending_token = token;
      g->pending_from = 0;
      g->pending_count = r;
      if (!flush_pending(g, &s)) return number(env, (double)s.count);
      if (r < BATCH) break;
    }
  }
  return number(env, (double)s.count);
}

/*
 * sendBatch(fd, host, data: Uint8Array, meta: Float64Array, count): sends datagram i = data[meta[3i] ..
 * meta[3i]+meta[3i+1]) to host:meta[3i+2]; returns how many the kernel took.
 */
static napi_value send_batch(napi_env env, napi_callback_info info) {
  ARGS(5);
  int32_t fd, count;
  if (argc < 5 || !int_arg(env, argv[0], &fd) || !int_arg(env, argv[4], &count) || count < 0)
    return throw_type(env, "sendBatch(fd, host, data, meta, count)");
  struct sockaddr_storage base;
  socklen_t addrlen = make_address(env, argv[1], 0, &base);
  if (!addrlen) return throw_type(env, "host must be an IPv4 or IPv6 address");
  napi_typedarray_type type;
  size_t length, offset, meta_length;
  void *data, *meta_data;
  napi_value ab;
  if (napi_get_typedarray_info(env, argv[2], &type, &length, &data, &ab, &offset) != napi_ok || type != napi_uint8_array)
    return throw_type(env, "data must be a Uint8Array");
  if (napi_get_typedarray_info(env, argv[3], &type, &meta_length, &meta_data, &ab, &offset) != napi_ok ||
      type != napi_float64_array || (size_t)count * 3 > meta_length)
    return throw_type(env, "meta must be a Float64Array of 3 numbers per datagram");
  const double *meta = meta_data;
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_storage addrs[BATCH];
  int sent = 0;
  while (sent < count) {
    int n = count - sent < BATCH ? count - sent : BATCH;
    for (int i = 0; i < n; i++) {
      const double *m = meta + (size_t)(sent + i) * 3;
      size_t off = (size_t)m[0], len = (size_t)m[1];
      if (off + len > length) return throw_type(env, "datagram outside data");
      addrs[i] = base;
      uint16_t port = htons((uint16_t)m[2]);
      if (base.ss_family == AF_INET6)
        ((struct sockaddr_in6 *)&addrs[i])->sin6_port = port;
      else
        ((struct sockaddr_in *)&addrs[i])->sin_port = port;
      iov[i].iov_base = (unsigned char *)data + off;
      iov[i].iov_len = len;
      memset(&msgs[i], 0, sizeof msgs[i]);
      msgs[i].msg_hdr.msg_name = &addrs[i];
      msgs[i].msg_hdr.msg_namelen = addrlen;
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int r = sendmmsg(fd, msgs, (unsigned)n, MSG_DONTWAIT);
    if (r <= 0) break;
    sent += r;
  }
  return number(env, sent);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"createGroup", NULL, create_group, NULL, NULL, NULL, napi_default, NULL},
      {"bindUdp", NULL, bind_udp, NULL, NULL, NULL, napi_default, NULL},
      {"openSender", NULL, open_sender, NULL, NULL, NULL, napi_default, NULL},
      {"boundPort", NULL, bound_port, NULL, NULL, NULL, napi_default, NULL},
      {"closeUdp", NULL, close_udp, NULL, NULL, NULL, napi_default, NULL},
      {"drain", NULL, drain, NULL, NULL, NULL, napi_default, NULL},
      {"sendBatch", NULL, send_batch, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
