// Package cluster lets many worker processes, on many machines, share what a
// single process keeps to itself: one PSA credential's rate budget, the
// right to sync one scope, and the flows' state. It is psabridge's only
// Redis code (through github.com/redis/go-redis/v9); everything here works
// with a redis.UniversalClient the caller configures (address, password,
// TLS, Sentinel or Cluster).
//
//   - Limiter is a bridge.Limiter for every client's WithLimiter option:
//     the requests of all workers together keep to the budget, a 429 seen
//     by one slows all, and when Redis is unreachable each worker falls
//     back to a conservative local share, says so once and returns to the
//     shared budget when Redis does.
//   - Locker is a ticketsync.Locker: a lease with a random token, an
//     expiry and renewal while the sync runs, so that at most one worker
//     syncs a (PSA site, login company, source) scope, and a worker killed
//     mid-sync frees its scope within the lease time.
//   - Store is a flow.Store whose Update is atomic across workers.
//
// Every time decision shared by workers is taken on Redis's clock (TIME
// inside the scripts, key expiry for leases), never a worker's; a worker's
// own clock only times its own waits, pauses and lease trust, as intervals.
// So clock skew between machines changes nothing (skew_test.go runs
// workers five minutes ahead and behind to prove it).
//
// Fencing is best effort, and the window is stated plainly: a worker checks
// its lease before each PSA write and stops its sync as soon as a renewal
// fails, but the PSA cannot check a fencing token, so a write already on
// the wire when the lease expires (a worker paused longer than the lease,
// by GC or a frozen VM) still lands. ticketsync's duplicate repair and the
// idempotent writes (keys in externalXRef) make such a write harmless:
// nothing is duplicated for long and nothing is lost.
package cluster
