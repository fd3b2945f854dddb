/**
 * A request that threw (the disk full, the database busy past its timeout) gets a JSON answer a
 * client can act on, never an HTML error page: 503, nothing was done, try again.
 */
export function failedRequest(error: Error): Response {
  const full = /disk is full|SQLITE_FULL|ENOSPC/i.test(error.message);
  return Response.json(
    {
      error: full
        ? `the disk is full (${error.message}); nothing was stored, try again once there is space`
        : `the daemon could not complete this request (${error.message}); try again`,
    },
    { status: 503, headers: { "Retry-After": "1" } },
  );
}
