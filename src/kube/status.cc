#include "kube/status.h"

namespace kube {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "OK";
    case Code::kInvalidArgument: return "InvalidArgument";
    case Code::kNotFound: return "NotFound";
    case Code::kAlreadyExists: return "AlreadyExists";
    case Code::kConflict: return "Conflict";
    case Code::kGone: return "Gone";
    case Code::kUnauthorized: return "Unauthorized";
    case Code::kForbidden: return "Forbidden";
    case Code::kInvalid: return "Invalid";
    case Code::kBadRequest: return "BadRequest";
    case Code::kTooManyRequests: return "TooManyRequests";
    case Code::kServerError: return "ServerError";
    case Code::kUnavailable: return "Unavailable";
    case Code::kTimeout: return "Timeout";
    case Code::kCancelled: return "Cancelled";
    case Code::kResourceExhausted: return "ResourceExhausted";
    case Code::kInternal: return "Internal";
  }
  return "Unknown";
}

Status Status::WithContext(const std::string& context) const {
  if (ok()) return *this;
  Status s = *this;
  s.message_ = context + ": " + message_;
  return s;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out = std::string(CodeName(code_)) + ": " + message_;
  if (!causes_.empty()) {
    out += " [";
    for (size_t i = 0; i < causes_.size(); ++i) {
      if (i) out += "; ";
      out += causes_[i].field.empty() ? causes_[i].message : causes_[i].field + ": " + causes_[i].message;
    }
    out += "]";
  }
  return out;
}

std::string Quoted(std::string_view value, size_t max) {
  if (value.size() <= max) return "\"" + std::string(value) + "\"";
  // Cut on a character boundary: never inside a UTF-8 sequence.
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
  return "\"" + std::string(value.substr(0, cut)) + "...\" (" + std::to_string(value.size()) + " bytes)";
}

}  // namespace kube
