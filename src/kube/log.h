// Structured logging: one JSON object per line on stderr (or plain text for
// humans), with a level, a message and key/value fields. Built on spdlog.
#ifndef KUBE_LOG_H_
#define KUBE_LOG_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace kube::log {

enum class Level { kDebug, kInfo, kWarn, kError };
enum class Format { kJson, kText };

using Fields = std::initializer_list<std::pair<std::string_view, std::string>>;

void Configure(Level level, Format format);
// Parses "debug", "info", "warn", "error"; false when unknown.
bool ParseLevel(std::string_view text, Level* level);

void Write(Level level, std::string_view message, Fields fields);
inline void Debug(std::string_view m, Fields f = {}) { Write(Level::kDebug, m, f); }
inline void Info(std::string_view m, Fields f = {}) { Write(Level::kInfo, m, f); }
inline void Warn(std::string_view m, Fields f = {}) { Write(Level::kWarn, m, f); }
inline void Error(std::string_view m, Fields f = {}) { Write(Level::kError, m, f); }

}  // namespace kube::log

#endif  // KUBE_LOG_H_
