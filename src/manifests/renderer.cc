#include "manifests/renderer.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <random>

#include <kainjow/mustache.hpp>

#include "kube/config.h"
#include "kube/yaml.h"

namespace manifests {
namespace {

namespace fs = std::filesystem;
using kainjow::mustache::data;
using nlohmann::json;

// The strings of one render, each stood in for by a token while the template
// renders. A token is `<nonce><r|s><index>z`: letters and digits only, so YAML
// reads it as plain text anywhere. `r` marks a value inserted as written
// ({{{name}}}), `s` one put back as a string after parsing ({{name}}: the
// mustache escape turns `r` into `s`). The nonce is random per render, so
// text from a value can never pass for a token.
class ValueTable {
 public:
  ValueTable() {
    thread_local std::mt19937_64 rng(std::random_device{}());
    static constexpr char kLetters[] = "abcdefghijklmnopqrstuvwxy";  // no z: it ends a token
    nonce_ = "t";
    uint64_t bits = rng();
    for (int i = 0; i < 12; ++i, bits /= 25) nonce_ += kLetters[bits % 25];
  }

  std::string Add(std::string value) {
    values_.push_back(std::move(value));
    return nonce_ + "r" + std::to_string(values_.size() - 1) + "z";
  }

  // The mustache escape of {{name}}: raw tokens become string tokens.
  std::string Escape(const std::string& text) const {
    std::string out;
    size_t from = 0;
    for (size_t at = text.find(nonce_); at != std::string::npos; at = text.find(nonce_, from)) {
      out.append(text, from, at - from).append(nonce_);
      from = at + nonce_.size();
      if (from < text.size() && text[from] == 'r') {
        out += 's';
        ++from;
      }
    }
    out.append(text, from);
    return out;
  }

  // Replaces the tokens of kind `kind` in `text` by their values (`transform`ed).
  template <typename Transform>
  std::string Substitute(const std::string& text, char kind, Transform transform) const {
    std::string out;
    size_t from = 0;
    for (size_t at = text.find(nonce_); at != std::string::npos; at = text.find(nonce_, from)) {
      size_t p = at + nonce_.size();
      size_t index = 0;
      bool ok = p < text.size() && text[p] == kind;
      size_t digits = 0;
      for (++p; ok && p < text.size() && text[p] >= '0' && text[p] <= '9'; ++p, ++digits) {
        index = index * 10 + static_cast<size_t>(text[p] - '0');
      }
      ok = ok && digits > 0 && digits < 10 && p < text.size() && text[p] == 'z' && index < values_.size();
      if (!ok) {
        out.append(text, from, at + nonce_.size() - from);
        from = at + nonce_.size();
        continue;
      }
      out.append(text, from, at - from);
      transform(values_[index], &out);
      from = p + 1;
    }
    out.append(text, from);
    return out;
  }

  bool Mentions(const std::string& text) const { return text.find(nonce_) != std::string::npos; }

 private:
  std::string nonce_;
  std::vector<std::string> values_;
};

data ToMustache(const json& j, ValueTable* table) {
  switch (j.type()) {
    case json::value_t::object: {
      data obj(data::type::object);
      for (const auto& [k, v] : j.items()) obj.set(k, ToMustache(v, table));
      return obj;
    }
    case json::value_t::array: {
      data list(data::type::list);
      for (const auto& v : j) list.push_back(ToMustache(v, table));
      return list;
    }
    case json::value_t::string: return table == nullptr ? data(j.get<std::string>()) : data(table->Add(j.get<std::string>()));
    case json::value_t::boolean: return data(j.get<bool>());
    case json::value_t::null: return data(false);
    default: return data(j.dump());  // numbers: digits, a sign, a point, an exponent
  }
}

// Text inserted as written is JSON (flow YAML) that code serialized. JSON leaves some
// characters as they are that YAML reads otherwise: U+0085, U+2028 and U+2029 are line breaks
// to YAML even inside quotes (and get folded), and DEL, the C1 controls, U+FFFE and U+FFFF are
// not allowed in YAML at all. Outside its strings JSON text holds none of them, so each is
// written as a JSON escape, which keeps the string it is in the same.
void AppendRaw(const std::string& value, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  auto escape = [out](unsigned cp) {
    *out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) *out += kHex[(cp >> shift) & 0xF];
  };
  const auto byte = [&value](size_t i) { return i < value.size() ? static_cast<unsigned char>(value[i]) : 0u; };
  for (size_t i = 0; i < value.size(); ++i) {
    const unsigned c = byte(i);
    if (c == 0x7F) {
      escape(c);
    } else if (c == 0xC2 && byte(i + 1) >= 0x80 && byte(i + 1) <= 0x9F) {  // U+0080..U+009F, U+0085 among them
      escape(byte(i + 1));
      ++i;
    } else if (c == 0xE2 && byte(i + 1) == 0x80 && (byte(i + 2) == 0xA8 || byte(i + 2) == 0xA9)) {
      escape(0x2000 | (byte(i + 2) == 0xA8 ? 0x28 : 0x29));
      i += 2;
    } else if (c == 0xEF && byte(i + 1) == 0xBF && (byte(i + 2) == 0xBE || byte(i + 2) == 0xBF)) {
      escape(byte(i + 2) == 0xBE ? 0xFFFE : 0xFFFF);
      i += 2;
    } else {
      *out += value[i];
    }
  }
}

void AppendValue(const std::string& value, std::string* out) { *out += value; }

// Puts the string values back into keys and strings of a parsed document.
void PutValuesBack(json& node, const ValueTable& table) {
  if (node.is_string()) {
    const auto& s = node.get_ref<const std::string&>();
    if (table.Mentions(s)) node = table.Substitute(s, 's', AppendValue);
  } else if (node.is_array()) {
    for (auto& v : node) PutValuesBack(v, table);
  } else if (node.is_object()) {
    bool keys = false;
    for (auto& [k, v] : node.items()) {
      keys = keys || table.Mentions(k);
      PutValuesBack(v, table);
    }
    if (keys) {
      json renamed = json::object();
      for (auto& [k, v] : node.items()) renamed[table.Substitute(k, 's', AppendValue)] = std::move(v);
      node = std::move(renamed);
    }
  }
}

kube::Result<std::string> Render(const std::string& text, const data& context,
                                 const kainjow::mustache::mustache::escape_handler& escape) {
  kainjow::mustache::mustache tmpl(text);
  if (!tmpl.is_valid()) return kube::Status(kube::Code::kInternal, "template: " + tmpl.error_message());
  tmpl.set_custom_escape(escape);
  std::string out = tmpl.render(context);
  if (!tmpl.is_valid()) return kube::Status(kube::Code::kInternal, "template: " + tmpl.error_message());
  return out;
}

kube::Result<std::vector<json>> ObjectsOf(std::vector<json> documents) {
  std::vector<json> out;
  for (auto& doc : documents) {
    if (doc.is_null()) continue;
    if (!doc.is_object()) return kube::Status(kube::Code::kInternal, "manifest document is not a mapping");
    if (!doc.contains("kind")) continue;
    out.push_back(std::move(doc));
  }
  return out;
}

}  // namespace

kube::Result<std::vector<json>> RenderManifest(const std::string& text, const json& context) {
  ValueTable table;
  const data values = ToMustache(context, &table);
  auto rendered = Render(text, values, [&table](const std::string& s) { return table.Escape(s); });
  if (!rendered.ok()) return rendered.status();
  const std::string yaml = table.Substitute(*rendered, 'r', AppendRaw);
  auto documents = kube::ParseYamlDocuments(yaml);
  if (!documents.ok()) {
    return kube::Status(kube::Code::kInternal, "rendered manifest is " + documents.status().message());
  }
  for (auto& doc : *documents) PutValuesBack(doc, table);
  return ObjectsOf(std::move(*documents));
}

kube::Result<std::string> RenderTemplate(const std::string& text, const json& context) {
  return Render(text, ToMustache(context, nullptr), [](const std::string& s) { return s; });
}

kube::Result<std::vector<json>> YamlToObjects(const std::string& yaml) {
  auto documents = kube::ParseYamlDocuments(yaml);
  if (!documents.ok()) return kube::Status(kube::Code::kInternal, "manifest is " + documents.status().message());
  return ObjectsOf(std::move(*documents));
}

kube::Result<json> YamlToJson(const std::string& yaml) { return kube::ParseYamlDocument(yaml); }

kube::Result<std::vector<json>> RenderDirectory(const std::string& dir, const json& context) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return kube::Status(kube::Code::kInternal, "no manifest directory " + dir);
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const auto ext = it->path().extension();
    if (it->is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json")) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  std::vector<json> out;
  for (const auto& f : files) {
    auto text = kube::ReadFile(f.string());
    if (!text.ok()) return text.status();
    auto objects = RenderManifest(*text, context);
    if (!objects.ok()) return objects.status().WithContext(f.filename().string());
    for (auto& o : *objects) out.push_back(std::move(o));
  }
  return out;
}

std::string ManifestRoot() {
  if (const char* env = std::getenv("MANIFESTS_DIR"); env != nullptr && *env != '\0') return env;
  return ACCELOPS_MANIFESTS_DIR;
}

}  // namespace manifests
