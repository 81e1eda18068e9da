#include "kube/json_decode.h"

#include <cstdlib>

#include <simdjson.h>

namespace kube {
namespace {

using simdjson::dom::element;

// Deeper than anything the API server stores (its decoder stops at 10,000 levels), so every
// object it serves is decoded and cached; code that walks an object as a tree bounds the
// depth itself (Object::CheckNesting).
constexpr size_t kDecodeMaxDepth = 20000;

simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser = [] {
    simdjson::dom::parser p;
    if (p.allocate(4096, kDecodeMaxDepth) != simdjson::SUCCESS) std::abort();  // out of memory at start
    return p;
  }();
  return parser;
}

// Hash of one label; summed over a set, so the order of labels does not matter.
uint64_t LabelHash(std::string_view key, std::string_view value) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;  // separator
  };
  mix(key);
  mix(value);
  return h;
}

std::string_view StringOr(element e, std::string_view key, std::string_view fallback = {}) {
  std::string_view out;
  if (e[key].get(out) != simdjson::SUCCESS) return fallback;
  return out;
}

void DecodeMeta(element obj, ObjectMeta* meta) {
  element md;
  if (obj["metadata"].get(md) != simdjson::SUCCESS) return;
  meta->name = std::string(StringOr(md, "name"));
  meta->namespace_ = std::string(StringOr(md, "namespace"));
  meta->uid = std::string(StringOr(md, "uid"));
  meta->resource_version = std::string(StringOr(md, "resourceVersion"));
  int64_t gen = 0;
  if (md["generation"].get(gen) == simdjson::SUCCESS) meta->generation = gen;
  element ts;
  meta->deleting = md["deletionTimestamp"].get(ts) == simdjson::SUCCESS && !ts.is_null();
  simdjson::dom::object labels;
  if (md["labels"].get(labels) == simdjson::SUCCESS) {
    for (auto field : labels) {
      std::string_view value;
      if (field.value.get(value) == simdjson::SUCCESS) meta->labels_hash += LabelHash(field.key, value);
    }
  }
  simdjson::dom::array owners;
  if (md["ownerReferences"].get(owners) == simdjson::SUCCESS) {
    for (element ref : owners) {
      OwnerReference o;
      o.api_version = std::string(StringOr(ref, "apiVersion"));
      o.kind = std::string(StringOr(ref, "kind"));
      o.name = std::string(StringOr(ref, "name"));
      o.uid = std::string(StringOr(ref, "uid"));
      bool controller = false;
      if (ref["controller"].get(controller) == simdjson::SUCCESS) o.controller = controller;
      meta->owner_references.push_back(std::move(o));
    }
  }
}

void AppendJsonString(std::string_view s, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  *out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (c < 0x20) {
          *out += "\\u00";
          *out += kHex[c >> 4];
          *out += kHex[c & 0xf];
        } else {
          *out += static_cast<char>(c);
        }
    }
  }
  *out += '"';
}

// Appends the JSON of `e`, keeping only what `mask` keeps.
void AppendMasked(element e, const FieldMask& mask, std::string* out) {
  if (mask.keeps_all() || e.type() != simdjson::dom::element_type::OBJECT) {
    *out += simdjson::minify(e);
    return;
  }
  *out += '{';
  bool first = true;
  for (auto field : simdjson::dom::object(e)) {
    const FieldMask* child = mask.Child(std::string(field.key));
    if (child == nullptr) continue;
    if (!first) *out += ',';
    first = false;
    AppendJsonString(field.key, out);
    *out += ':';
    AppendMasked(field.value, *child, out);
  }
  *out += '}';
}

// Builds an Object from a parsed element, filling apiVersion/kind from the list when absent.
Object ObjectFromElement(element e, const FieldMask* mask, std::string_view api_version = {},
                         std::string_view kind = {}) {
  ObjectMeta meta;
  DecodeMeta(e, &meta);
  std::string text;
  if (mask != nullptr) {
    AppendMasked(e, *mask, &text);
  } else {
    text = simdjson::minify(e);
  }
  // LIST items omit apiVersion and kind; put them back so objects are self-describing.
  if (!api_version.empty() && text.size() > 1 && e["kind"].error() == simdjson::NO_SUCH_FIELD) {
    std::string prefix = "{\"apiVersion\":";
    AppendJsonString(api_version, &prefix);
    prefix += ",\"kind\":";
    AppendJsonString(kind, &prefix);
    if (text != "{}") prefix += ',';
    text.replace(0, 1, prefix);
  }
  return Object(std::move(meta), std::move(text));
}

Code CodeForHttp(int http_code, std::string_view reason) {
  if (reason == "NotFound") return Code::kNotFound;
  if (reason == "AlreadyExists") return Code::kAlreadyExists;
  if (reason == "Conflict") return Code::kConflict;
  if (reason == "Expired" || reason == "Gone") return Code::kGone;
  if (reason == "Invalid") return Code::kInvalid;
  if (reason == "Forbidden") return Code::kForbidden;
  if (reason == "Unauthorized") return Code::kUnauthorized;
  if (reason == "TooManyRequests") return Code::kTooManyRequests;
  if (reason == "Timeout") return Code::kTimeout;
  switch (http_code) {
    case 400: return Code::kBadRequest;
    case 401: return Code::kUnauthorized;
    case 403: return Code::kForbidden;
    case 404: return Code::kNotFound;
    case 409: return Code::kConflict;
    case 410: return Code::kGone;
    case 422: return Code::kInvalid;
    case 429: return Code::kTooManyRequests;
    case 504: return Code::kTimeout;
    default: break;
  }
  if (http_code >= 500) return Code::kServerError;
  return Code::kInternal;
}

}  // namespace

Result<Object> DecodeObject(std::string json, const FieldMask* mask) {
  element doc;
  if (auto err = ThreadParser().parse(json).get(doc); err) {
    return Status(Code::kInternal, std::string("malformed object JSON: ") + simdjson::error_message(err));
  }
  if (doc.type() != simdjson::dom::element_type::OBJECT) {
    return Status(Code::kInternal, "object JSON is not an object");
  }
  if (mask == nullptr) {
    ObjectMeta meta;
    DecodeMeta(doc, &meta);
    return Object(std::move(meta), simdjson::minify(doc));
  }
  return ObjectFromElement(doc, mask);
}

Result<ListPage> DecodeList(std::string_view body, const FieldMask* mask) {
  element doc;
  if (auto err = ThreadParser().parse(body.data(), body.size()).get(doc); err) {
    return Status(Code::kInternal, std::string("malformed list JSON: ") + simdjson::error_message(err));
  }
  ListPage page;
  element md;
  if (doc["metadata"].get(md) == simdjson::SUCCESS) {
    page.resource_version = std::string(StringOr(md, "resourceVersion"));
    page.continue_token = std::string(StringOr(md, "continue"));
  }
  std::string_view list_kind = StringOr(doc, "kind");
  std::string_view item_kind = list_kind;
  if (item_kind.size() > 4 && item_kind.substr(item_kind.size() - 4) == "List") {
    item_kind.remove_suffix(4);
  }
  std::string_view api_version = StringOr(doc, "apiVersion");
  simdjson::dom::array items;
  if (doc["items"].get(items) == simdjson::SUCCESS) {
    page.items.reserve(items.size());
    for (element item : items) page.items.push_back(ObjectFromElement(item, mask, api_version, item_kind));
  }
  return page;
}

Result<WatchEvent> DecodeWatchEvent(std::string_view document, const FieldMask* mask) {
  element doc;
  if (auto err = ThreadParser().parse(document.data(), document.size()).get(doc); err) {
    return Status(Code::kInternal, std::string("malformed watch event: ") + simdjson::error_message(err));
  }
  std::string_view type = StringOr(doc, "type");
  element obj;
  if (doc["object"].get(obj) != simdjson::SUCCESS) {
    return Status(Code::kInternal, "watch event without object");
  }
  WatchEvent ev;
  if (type == "ERROR") {
    ev.type = WatchEventType::kError;
    int64_t code = 0;
    if (obj["code"].get(code) != simdjson::SUCCESS) code = 0;
    ev.error = DecodeApiError(static_cast<int>(code), simdjson::minify(obj));
    return ev;
  }
  if (type == "ADDED") ev.type = WatchEventType::kAdded;
  else if (type == "MODIFIED") ev.type = WatchEventType::kModified;
  else if (type == "DELETED") ev.type = WatchEventType::kDeleted;
  else if (type == "BOOKMARK") ev.type = WatchEventType::kBookmark;
  else return Status(Code::kInternal, "unknown watch event type: " + std::string(type));
  if (ev.type == WatchEventType::kBookmark) {
    element annotations;
    if (obj["metadata"]["annotations"].get(annotations) == simdjson::SUCCESS) {
      ev.initial_events_end = StringOr(annotations, "k8s.io/initial-events-end") == "true";
    }
  }
  ev.object = ObjectFromElement(obj, ev.type == WatchEventType::kBookmark ? nullptr : mask);
  return ev;
}

std::string MemberAt(std::string_view json, std::string_view pointer) {
  element doc;
  if (ThreadParser().parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS) return "";
  element member;
  if (doc.at_pointer(pointer).get(member) != simdjson::SUCCESS) return "";
  return simdjson::minify(member);
}

std::map<std::string, std::string> DecodeLabels(std::string_view json) {
  std::map<std::string, std::string> out;
  element doc;
  if (ThreadParser().parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS) return out;
  simdjson::dom::object labels;
  if (doc["metadata"]["labels"].get(labels) != simdjson::SUCCESS) return out;
  for (auto field : labels) {
    std::string_view value;
    if (field.value.get(value) == simdjson::SUCCESS) out.emplace(std::string(field.key), std::string(value));
  }
  return out;
}

uint64_t LabelsHash(const std::map<std::string, std::string>& labels) {
  uint64_t sum = 0;
  for (const auto& [k, v] : labels) sum += LabelHash(k, v);
  return sum;
}

Status DecodeApiError(int http_code, std::string_view body) {
  element doc;
  if (ThreadParser().parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS ||
      StringOr(doc, "kind") != "Status") {
    std::string text(body.substr(0, 512));
    if (text.empty()) text = "HTTP " + std::to_string(http_code);
    return Status(CodeForHttp(http_code, ""), text).set_http_code(http_code);
  }
  std::string_view reason = StringOr(doc, "reason");
  std::string message(StringOr(doc, "message"));
  if (message.empty()) message = reason.empty() ? "HTTP " + std::to_string(http_code) : std::string(reason);
  Status status(CodeForHttp(http_code, reason), message);
  status.set_http_code(http_code);
  simdjson::dom::array causes;
  if (doc["details"]["causes"].get(causes) == simdjson::SUCCESS) {
    for (element c : causes) {
      status.add_cause({std::string(StringOr(c, "reason")), std::string(StringOr(c, "field")),
                        std::string(StringOr(c, "message"))});
    }
  }
  int64_t retry = 0;
  if (doc["details"]["retryAfterSeconds"].get(retry) == simdjson::SUCCESS) {
    status.set_retry_after_seconds(static_cast<int>(retry));
  }
  return status;
}

}  // namespace kube
