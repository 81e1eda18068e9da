#include "kube/json_stream.h"

namespace kube {

bool JsonStream::Feed(std::string_view bytes, const std::function<bool(std::string_view)>& on_document) {
  buffer_.append(bytes);
  size_t start = 0;
  // Skip whitespace between documents so `start` points at a document's first byte.
  auto skip_space = [&] {
    while (depth_ == 0 && start < buffer_.size() && scanned_ <= start &&
           (buffer_[start] == ' ' || buffer_[start] == '\n' || buffer_[start] == '\r' || buffer_[start] == '\t')) {
      ++start;
      scanned_ = start;
    }
  };
  skip_space();
  for (size_t i = scanned_; i < buffer_.size(); ++i) {
    const char c = buffer_[i];
    if (in_string_) {
      if (escaped_) escaped_ = false;
      else if (c == '\\') escaped_ = true;
      else if (c == '"') in_string_ = false;
      continue;
    }
    if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      ++depth_;
    } else if (c == '}' || c == ']') {
      if (--depth_ == 0) {
        if (!on_document(std::string_view(buffer_).substr(start, i + 1 - start))) {
          buffer_.erase(0, i + 1);
          scanned_ = 0;
          return false;
        }
        start = i + 1;
        scanned_ = start;
        skip_space();
        i = scanned_ - 1;
      }
    }
  }
  buffer_.erase(0, start);
  scanned_ = buffer_.size();
  return true;
}

}  // namespace kube
