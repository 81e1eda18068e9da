// JsonStream: cuts a byte stream of concatenated JSON documents (a watch
// body) into whole documents as bytes arrive, without waiting for the end of
// the stream. Whitespace between documents is skipped.
#ifndef KUBE_JSON_STREAM_H_
#define KUBE_JSON_STREAM_H_

#include <functional>
#include <string>
#include <string_view>

namespace kube {

class JsonStream {
 public:
  // Feeds bytes; calls `on_document` for each complete top-level document and
  // stops early (returning false) when it returns false.
  bool Feed(std::string_view bytes, const std::function<bool(std::string_view)>& on_document);
  // Bytes of an incomplete document held back.
  size_t pending() const { return buffer_.size(); }

 private:
  std::string buffer_;
  size_t scanned_ = 0;  // bytes of buffer_ already scanned
  int depth_ = 0;
  bool in_string_ = false;
  bool escaped_ = false;
};

}  // namespace kube

#endif  // KUBE_JSON_STREAM_H_
