// Status and Result<T>: the one error-handling style of the runtime.
//
// Every fallible operation returns a Status (no value) or a Result<T> (a
// value or a Status). Exceptions from third-party libraries are caught at the
// boundary where they are called and turned into a Status; they never cross
// a runtime interface. API errors keep the Kubernetes reason so callers can
// branch on NotFound, Conflict, Gone and the rest, as with apierrors in Go.
#ifndef KUBE_STATUS_H_
#define KUBE_STATUS_H_

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace kube {

enum class Code {
  kOk,
  kInvalidArgument,   // bad local input (configuration, arguments)
  kNotFound,          // 404 / NotFound
  kAlreadyExists,     // 409 / AlreadyExists
  kConflict,          // 409 / Conflict (stale resourceVersion, apply conflict)
  kGone,              // 410 / Expired or Gone (compacted resourceVersion)
  kUnauthorized,      // 401
  kForbidden,         // 403
  kInvalid,           // 422 / Invalid, with field causes
  kBadRequest,        // 400
  kTooManyRequests,   // 429
  kServerError,       // 5xx
  kUnavailable,       // transport failure: connection refused, TLS, DNS
  kTimeout,           // deadline exceeded
  kCancelled,         // stopped by the caller
  kResourceExhausted, // nothing left to hand out (addresses, quota)
  kInternal,          // a bug or an unexpected answer
};

const char* CodeName(Code code);

// `value` in double quotes for a message; a long value is cut to its first
// `max` bytes and says how long it was, so a hostile input cannot flood a log,
// an Event or a status.
std::string Quoted(std::string_view value, size_t max = 100);

// One field-level cause of an Invalid answer (metav1.StatusCause).
struct FieldCause {
  std::string type;
  std::string field;
  std::string message;
};

class Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  int http_code() const { return http_code_; }
  Status& set_http_code(int code) { http_code_ = code; return *this; }
  const std::vector<FieldCause>& causes() const { return causes_; }
  Status& add_cause(FieldCause cause) { causes_.push_back(std::move(cause)); return *this; }
  // Seconds the server asked us to wait (Retry-After), 0 when absent.
  int retry_after_seconds() const { return retry_after_seconds_; }
  Status& set_retry_after_seconds(int s) { retry_after_seconds_ = s; return *this; }

  // Prefixes the message with context: "reading kubeconfig: <message>".
  Status WithContext(const std::string& context) const;

  // "Conflict: <message> [field: cause; ...]"
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  int http_code_ = 0;
  int retry_after_seconds_ = 0;
  std::vector<FieldCause> causes_;
};

inline bool IsNotFound(const Status& s) { return s.code() == Code::kNotFound; }
inline bool IsConflict(const Status& s) { return s.code() == Code::kConflict; }
inline bool IsAlreadyExists(const Status& s) { return s.code() == Code::kAlreadyExists; }
inline bool IsGone(const Status& s) { return s.code() == Code::kGone; }

// A value or the Status that explains why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(state_);
  }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace kube

#define KUBE_RETURN_IF_ERROR(expr)          \
  do {                                      \
    ::kube::Status kube_status_ = (expr);   \
    if (!kube_status_.ok()) return kube_status_; \
  } while (0)

#endif  // KUBE_STATUS_H_
