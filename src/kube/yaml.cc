#include "kube/yaml.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>

#include <libfyaml.h>
#include <nlohmann/json.hpp>

namespace kube {
namespace {

using nlohmann::json;

struct ParserDeleter {
  void operator()(fy_parser* p) const { fy_parser_destroy(p); }
};

struct DiagDeleter {
  void operator()(fy_diag* d) const { fy_diag_unref(d); }
};

// Diagnostics are collected for the Status, never printed: a process's output is its JSON log.
void DiscardDiagnostic(fy_diag*, void*, const char*, size_t) {}

// One event from the parser, freed when it goes out of scope.
class Event {
 public:
  Event(fy_parser* parser, fy_event* event) : parser_(parser), event_(event) {}
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event() {
    if (event_ != nullptr) fy_parser_event_free(parser_, event_);
  }
  const fy_event* get() const { return event_; }

 private:
  fy_parser* parser_;
  fy_event* event_;
};

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// [-+]?(0|[1-9][0-9]*)
bool IsInteger(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return IsDigits(s) && (s.size() == 1 || s[0] != '0');
}

// [-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)? or [-+]?[0-9]+[eE][-+]?[0-9]+
bool IsFloat(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  const size_t e = s.find_first_of("eE");
  std::string_view mantissa = s.substr(0, e);
  bool has_exponent = e != std::string_view::npos;
  if (has_exponent) {
    std::string_view exponent = s.substr(e + 1);
    if (!exponent.empty() && (exponent[0] == '-' || exponent[0] == '+')) exponent.remove_prefix(1);
    if (!IsDigits(exponent)) return false;
  }
  const size_t dot = mantissa.find('.');
  if (dot == std::string_view::npos) return has_exponent && IsDigits(mantissa);
  const std::string_view whole = mantissa.substr(0, dot), fraction = mantissa.substr(dot + 1);
  if (whole.empty()) return IsDigits(fraction);
  return IsDigits(whole) && (fraction.empty() || IsDigits(fraction));
}

std::string_view TokenText(fy_token* token) {
  if (token == nullptr) return {};
  size_t len = 0;
  const char* text = fy_token_get_text(token, &len);
  return text == nullptr ? std::string_view() : std::string_view(text, len);
}

std::string Where(const fy_event* event) {
  const fy_mark* mark = fy_event_start_mark(const_cast<fy_event*>(event));
  if (mark == nullptr) return "";
  return " at line " + std::to_string(mark->line + 1) + ", column " + std::to_string(mark->column + 1);
}

// The parser's first error, with its position.
std::string ParserError(fy_parser* parser) {
  fy_diag* diag = fy_parser_get_diag(parser);
  std::string out = "not valid YAML";
  if (diag != nullptr) {
    void* it = nullptr;
    if (fy_diag_error* err = fy_diag_errors_iterate(diag, &it); err != nullptr) {
      out += " at line " + std::to_string(err->line + 1) + ", column " + std::to_string(err->column + 1);
      if (err->msg != nullptr) out += std::string(": ") + err->msg;
    }
    fy_diag_unref(diag);
  }
  return out;
}

// YAML's printable set (YAML 1.2, 5.1): tab, line breaks, and no other control character.
bool Printable(uint32_t cp) {
  return cp == 0x09 || cp == 0x0A || cp == 0x0D || (cp >= 0x20 && cp <= 0x7E) || cp == 0x85 ||
         (cp >= 0xA0 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

// The byte offset of the first byte that is not well-formed UTF-8 (of a printable character when
// `printable_only`), or npos.
size_t DisallowedAt(std::string_view s, bool printable_only = true) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t min = 0, cp = 0;
    if (c < 0x80) {
      if (printable_only && !Printable(c)) return i;
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) { n = 1; min = 0x80; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { n = 2; min = 0x800; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 3; min = 0x10000; cp = c & 0x07; }
    else return i;
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return i;
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = cp << 6 | (cc & 0x3F);
    }
    if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return i;
    if (printable_only && !Printable(cp)) return i;
    i += n + 1;
  }
  return std::string_view::npos;
}

json ScalarValue(const fy_event* event) {
  fy_token* value = event->scalar.value;
  const std::string_view text = TokenText(value);
  const std::string_view tag = TokenText(event->scalar.tag);
  if (!tag.empty()) {
    if (tag == "!!str" || tag == "tag:yaml.org,2002:str" || tag == "!") return json(std::string(text));
  }
  if (value != nullptr && fy_token_scalar_style(value) != FYSS_PLAIN) return json(std::string(text));
  return PlainScalarValue(text);
}

// Adds a finished value to the container on top of `stack`, or makes it the document.
struct Frame {
  json value;
  std::string pending_key;
  bool expecting_key = false;
  int block_column = -1;  // a block collection's indentation; -1 for a flow one
};

bool IsBlockScalar(const fy_event* event) {
  const fy_token* value = event->scalar.value;
  if (value == nullptr) return false;
  const fy_scalar_style style = fy_token_scalar_style(const_cast<fy_token*>(value));
  return style == FYSS_LITERAL || style == FYSS_FOLDED;
}

// The leading spaces of the first line holding more than spaces, from `pos` on; npos when none does.
size_t FirstContentIndent(std::string_view text, size_t pos) {
  while (pos < text.size()) {
    size_t spaces = 0;
    while (pos + spaces < text.size() && text[pos + spaces] == ' ') ++spaces;
    const size_t at = pos + spaces;
    if (at < text.size() && text[at] != '\n' && text[at] != '\r') return spaces;
    pos = text.find('\n', at);
    if (pos == std::string_view::npos) break;
    ++pos;
  }
  return std::string_view::npos;
}

// A block scalar's content must be indented past the collection holding it (YAML 1.2, 8.1.1.1). The
// parser takes content that is not and then returns text that is cut short or holds bytes of its own
// memory, so such content is refused here, as every other YAML reader refuses it.
Status CheckBlockScalarIndent(std::string_view text, const std::vector<Frame>& stack, const fy_event* event) {
  if (stack.empty() || stack.back().block_column < 0 || !IsBlockScalar(event)) return Status::Ok();
  if (TokenText(event->scalar.value).empty()) return Status::Ok();
  const fy_mark* mark = fy_event_start_mark(const_cast<fy_event*>(event));
  if (mark == nullptr) return Status::Ok();
  const size_t indent = FirstContentIndent(text, mark->input_pos);
  if (indent == std::string_view::npos || static_cast<int>(indent) > stack.back().block_column) return Status::Ok();
  return Status(Code::kInvalidArgument, "not valid YAML" + Where(event) + ": a block scalar's text is indented " +
                                            std::to_string(indent) + " spaces, not past its parent's " +
                                            std::to_string(stack.back().block_column));
}

bool IsFlowStart(const fy_event* event) {
  const fy_token* token = fy_event_get_token(const_cast<fy_event*>(event));
  if (token == nullptr) return false;
  const fy_token_type type = fy_token_get_type(const_cast<fy_token*>(token));
  return type == FYTT_FLOW_MAPPING_START || type == FYTT_FLOW_SEQUENCE_START;
}

Status Attach(std::vector<Frame>& stack, json value, json* document, const fy_event* event) {
  if (stack.empty()) {
    *document = std::move(value);
    return Status::Ok();
  }
  Frame& top = stack.back();
  if (top.value.is_array()) {
    top.value.push_back(std::move(value));
    return Status::Ok();
  }
  if (top.expecting_key) {
    if (!value.is_string() && !value.is_number() && !value.is_boolean() && !value.is_null()) {
      return Status(Code::kInvalidArgument, "not valid YAML" + Where(event) + ": a mapping key is not a scalar");
    }
    top.pending_key = value.is_string() ? value.get<std::string>() : value.dump();
    if (top.value.contains(top.pending_key)) {
      return Status(Code::kInvalidArgument, "not valid YAML" + Where(event) + ": duplicate key " + Quoted(top.pending_key));
    }
    top.expecting_key = false;
    return Status::Ok();
  }
  top.value[top.pending_key] = std::move(value);
  top.expecting_key = true;
  return Status::Ok();
}

}  // namespace

json PlainScalarValue(std::string_view s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  static constexpr std::string_view kTrue[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"};
  static constexpr std::string_view kFalse[] = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"};
  for (std::string_view t : kTrue) {
    if (s == t) return true;
  }
  for (std::string_view f : kFalse) {
    if (s == f) return false;
  }
  if (IsInteger(s)) {
    const std::string_view digits = s[0] == '+' ? s.substr(1) : s;
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec == std::errc() && end == digits.data() + digits.size()) return v;
    return std::string(s);  // out of int64's range: kept as written
  }
  if (IsFloat(s)) {
    const std::string text(s);
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end == text.c_str() + text.size() && std::isfinite(v)) return v;
    return std::string(s);
  }
  return std::string(s);
}

Result<std::vector<json>> ParseYamlDocuments(std::string_view text, const YamlLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return Status(Code::kInvalidArgument, "YAML is " + std::to_string(text.size()) + " bytes; at most " +
                                              std::to_string(limits.max_bytes) + " are taken");
  }
  if (const size_t bad = DisallowedAt(text); bad != std::string_view::npos) {
    return Status(Code::kInvalidArgument, "not valid YAML: the byte at offset " + std::to_string(bad) +
                                              " is not UTF-8 or is a control character YAML does not allow");
  }
  fy_diag_cfg diag_cfg;
  fy_diag_cfg_default(&diag_cfg);
  diag_cfg.fp = nullptr;
  diag_cfg.output_fn = DiscardDiagnostic;
  std::unique_ptr<fy_diag, DiagDeleter> diag(fy_diag_create(&diag_cfg));
  if (!diag) return Status(Code::kInternal, "cannot create a YAML parser");
  fy_diag_set_collect_errors(diag.get(), true);
  fy_parse_cfg cfg{};
  cfg.flags = static_cast<fy_parse_cfg_flags>(FYPCF_QUIET | FYPCF_COLLECT_DIAG);
  cfg.diag = diag.get();
  std::unique_ptr<fy_parser, ParserDeleter> parser(fy_parser_create(&cfg));
  if (!parser) return Status(Code::kInternal, "cannot create a YAML parser");
  if (fy_parser_set_string(parser.get(), text.data(), text.size()) != 0) {
    return Status(Code::kInternal, "cannot read YAML input");
  }
  std::vector<json> documents;
  std::vector<Frame> stack;
  json document;
  for (;;) {
    Event event(parser.get(), fy_parser_parse(parser.get()));
    const fy_event* ev = event.get();
    if (ev == nullptr) {
      if (fy_parser_get_stream_error(parser.get())) return Status(Code::kInvalidArgument, ParserError(parser.get()));
      break;
    }
    switch (ev->type) {
      case FYET_DOCUMENT_START:
        document = nullptr;
        stack.clear();
        break;
      case FYET_DOCUMENT_END:
        documents.push_back(std::move(document));
        document = nullptr;
        break;
      case FYET_MAPPING_START:
      case FYET_SEQUENCE_START: {
        if (static_cast<int>(stack.size()) >= limits.max_depth) {
          return Status(Code::kInvalidArgument, "YAML is nested deeper than " + std::to_string(limits.max_depth) +
                                                    " levels" + Where(ev));
        }
        if (!stack.empty() && stack.back().value.is_object() && stack.back().expecting_key) {
          return Status(Code::kInvalidArgument, "not valid YAML" + Where(ev) + ": a mapping key is not a scalar");
        }
        Frame frame;
        frame.value = ev->type == FYET_MAPPING_START ? json::object() : json::array();
        frame.expecting_key = ev->type == FYET_MAPPING_START;
        if (const fy_mark* mark = fy_event_start_mark(const_cast<fy_event*>(ev)); mark != nullptr && !IsFlowStart(ev)) {
          frame.block_column = mark->column;
        }
        stack.push_back(std::move(frame));
        break;
      }
      case FYET_MAPPING_END:
      case FYET_SEQUENCE_END: {
        if (stack.empty()) return Status(Code::kInternal, "unbalanced YAML events");
        json value = std::move(stack.back().value);
        stack.pop_back();
        if (Status s = Attach(stack, std::move(value), &document, ev); !s.ok()) return s;
        break;
      }
      case FYET_SCALAR: {
        if (Status s = CheckBlockScalarIndent(text, stack, ev); !s.ok()) return s;
        json value = ScalarValue(ev);
        if (value.is_string()) {
          // Escapes may spell any character, but what the parser hands back must be UTF-8: a string
          // the document never held is refused, never passed on.
          if (DisallowedAt(value.get_ref<const std::string&>(), false) != std::string_view::npos) {
            return Status(Code::kInvalidArgument, "not valid YAML" + Where(ev) + ": a scalar the parser cannot read");
          }
        }
        if (Status s = Attach(stack, std::move(value), &document, ev); !s.ok()) return s;
        break;
      }
      case FYET_ALIAS:
        return Status(Code::kInvalidArgument, "YAML aliases are not supported" + Where(ev));
      default:
        break;
    }
  }
  return documents;
}

Result<json> ParseYamlDocument(std::string_view text, const YamlLimits& limits) {
  auto documents = ParseYamlDocuments(text, limits);
  if (!documents.ok()) return documents.status();
  if (documents->size() != 1) {
    return Status(Code::kInvalidArgument, "expected one YAML document, found " + std::to_string(documents->size()));
  }
  return std::move(documents->front());
}

}  // namespace kube
