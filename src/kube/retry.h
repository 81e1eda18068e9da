// RetryOnConflict: re-runs a read-modify-write while the server answers
// Conflict (a stale resourceVersion), as client-go's retry.RetryOnConflict
// with its DefaultRetry (5 attempts, 10 ms apart with jitter).
#ifndef KUBE_RETRY_H_
#define KUBE_RETRY_H_

#include <functional>

#include "kube/status.h"

namespace kube {

// `attempt` must re-read the object each time. Returns its last Status.
Status RetryOnConflict(const std::function<Status()>& attempt, int max_attempts = 5);

}  // namespace kube

#endif  // KUBE_RETRY_H_
