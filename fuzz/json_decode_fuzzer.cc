// The decoder of everything the API server sends: objects, list pages, watch
// events cut from a stream, error bodies.
#include <nlohmann/json.hpp>

#include "fuzz_input.h"
#include "kube/json_decode.h"
#include "kube/json_stream.h"
#include "kube/object.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = fuzz::Text(data, size);
  auto object = kube::DecodeObject(text);
  fuzz::ExpectExplained(object);
  if (object.ok()) {
    (void)object->Labels();
    (void)object->CheckNesting();
    (void)object->Tree();
    fuzz::ExpectExplained(object->MemberTree("/status"));
  }
  fuzz::ExpectExplained(kube::DecodeList(text));
  (void)kube::DecodeApiError(500, text);
  kube::JsonStream stream;
  // Fed in two pieces, as bytes arrive from the network.
  const size_t cut = size / 2;
  auto on_document = [](std::string_view doc) {
    fuzz::ExpectExplained(kube::DecodeWatchEvent(doc));
    return true;
  };
  stream.Feed(std::string_view(text).substr(0, cut), on_document);
  stream.Feed(std::string_view(text).substr(cut), on_document);
  return 0;
}
