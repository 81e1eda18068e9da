// Decoding of API server payloads with simdjson: objects, list pages, watch
// events and metav1.Status errors. Only metadata is decoded into structs;
// objects are kept as minified JSON text (see object.h).
#ifndef KUBE_JSON_DECODE_H_
#define KUBE_JSON_DECODE_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kube/field_mask.h"
#include "kube/object.h"
#include "kube/status.h"

namespace kube {

struct ListPage {
  std::vector<Object> items;
  std::string resource_version;
  std::string continue_token;
};

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark, kError };

struct WatchEvent {
  WatchEventType type = WatchEventType::kError;
  Object object;   // empty for kError
  Status error;    // set for kError (e.g. Gone for an expired resourceVersion)
  bool initial_events_end = false;  // bookmark that closes a streaming list
};

// Decodes one object; its text is kept minified (trimmed by `mask` when given).
Result<Object> DecodeObject(std::string json, const FieldMask* mask = nullptr);

// Decodes a LIST response. Items get apiVersion/kind from the list when they lack them.
Result<ListPage> DecodeList(std::string_view body, const FieldMask* mask = nullptr);

// Decodes one watch event document.
Result<WatchEvent> DecodeWatchEvent(std::string_view document, const FieldMask* mask = nullptr);

// The minified JSON at `pointer` (RFC 6901, e.g. "/metadata/creationTimestamp") in JSON text;
// empty when absent.
std::string MemberAt(std::string_view json, std::string_view pointer);

// metadata.labels of an object's JSON text (empty when absent or malformed).
std::map<std::string, std::string> DecodeLabels(std::string_view json);

// Order-independent fingerprint of a label set.
uint64_t LabelsHash(const std::map<std::string, std::string>& labels);

// Turns an error answer (a metav1.Status body, or anything else) into a Status.
Status DecodeApiError(int http_code, std::string_view body);

}  // namespace kube

#endif  // KUBE_JSON_DECODE_H_
