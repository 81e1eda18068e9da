// RFC 3339 timestamps, as the API's metav1.Time fields take them.
#ifndef KUBE_TIME_FORMAT_H_
#define KUBE_TIME_FORMAT_H_

#include <string>

namespace kube {

// The current UTC time with second precision: "2026-01-02T15:04:05Z".
std::string RfcTimeNow();

}  // namespace kube

#endif  // KUBE_TIME_FORMAT_H_
