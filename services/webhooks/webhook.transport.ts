/**
 * The network, as webhook delivery needs it: one POST, its status code, within a time limit. Redirects are not
 * followed (a receiver that moved is told so by the log, and the body is not sent on to a place nobody chose).
 */
export interface WebhookTransport {
  post(
    url: string,
    body: string,
    headers: Record<string, string>,
    timeoutMs: number,
  ): Promise<{ status: number }>;
}

/** The transport over Node's fetch. The response body is not read (only its status counts). */
export const fetchTransport: WebhookTransport = {
  async post(url, body, headers, timeoutMs) {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel().catch(() => undefined);
    return { status: response.status };
  },
};
