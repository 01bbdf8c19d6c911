/**
 * Cluster clients can surface a topology change to the caller instead of following it: during
 * a failover or a slot migration, ioredis and iovalkey auto-pipelines fail with `MOVED`, or
 * with "All keys in the pipeline should belong to the same slots allocation group" when the
 * slot map changed between grouping and sending. Such a command was not executed, so sending
 * it again (after the client has refreshed its slot map) is safe for every command.
 */
const NOT_EXECUTED =
  /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN)\b|same slots allocation group|Cluster isn't ready/

/** True for errors that mean "not executed because the topology changed". */
export function isTopologyError(error: unknown): boolean {
  return error instanceof Error && NOT_EXECUTED.test(error.message)
}

/**
 * Runs `start`; on a topology error, reloads the slot map (when `refresh` is given) and sends
 * again with a growing pause (20 ms to 200 ms), up to `attempts` sends in all. When the reload
 * fails (no node answers), the error is thrown at once instead. The caller's deadline still
 * bounds the whole call. The happy path costs one `.catch`.
 */
export function retryOnTopologyChange<T>(
  start: () => Promise<T>,
  refresh?: () => Promise<void>,
  attempts = 10,
): Promise<T> {
  return start().catch(async (error: unknown) => {
    let last = error
    for (let attempt = 1; attempt < attempts && isTopologyError(last); attempt++) {
      // A MOVED inside an auto-pipeline does not always make the client reload its slot map:
      // ask for the reload, so the next send goes to the new owner.
      if (refresh !== undefined) {
        // A reload fails only when no node answers: then nothing is worth another send.
        const unreachable = await refresh().then(
          () => false,
          () => true,
        )
        if (unreachable) throw last
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(20 * 2 ** attempt, 200)))
      try {
        return await start()
      } catch (next) {
        last = next
      }
    }
    throw last
  })
}
