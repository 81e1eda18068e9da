#include "kube/log.h"

#include <atomic>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace kube::log {
namespace {

std::atomic<Format> g_format{Format::kJson};

void AppendEscaped(std::string_view s, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      *out += '\\';
      *out += static_cast<char>(c);
    } else if (c == '\n') {
      *out += "\\n";
    } else if (c < 0x20) {
      *out += "\\u00";
      *out += kHex[c >> 4];
      *out += kHex[c & 0xf];
    } else {
      *out += static_cast<char>(c);
    }
  }
}

spdlog::logger& Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = std::make_shared<spdlog::logger>("kube", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})", spdlog::pattern_time_type::utc);
    l->set_level(spdlog::level::info);
    l->flush_on(spdlog::level::debug);
    return l;
  }();
  return *logger;
}

spdlog::level::level_enum ToSpd(Level level) {
  switch (level) {
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

void Configure(Level level, Format format) {
  g_format = format;
  Logger().set_level(ToSpd(level));
  if (format == Format::kText) {
    Logger().set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v", spdlog::pattern_time_type::utc);
  } else {
    Logger().set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})", spdlog::pattern_time_type::utc);
  }
}

bool ParseLevel(std::string_view text, Level* level) {
  if (text == "debug") *level = Level::kDebug;
  else if (text == "info") *level = Level::kInfo;
  else if (text == "warn") *level = Level::kWarn;
  else if (text == "error") *level = Level::kError;
  else return false;
  return true;
}

void Write(Level level, std::string_view message, Fields fields) {
  auto& logger = Logger();
  if (!logger.should_log(ToSpd(level))) return;
  std::string line;
  if (g_format == Format::kText) {
    line.append(message);
    for (const auto& [k, v] : fields) line.append(" ").append(k).append("=").append(v);
  } else {
    line = "\"msg\":\"";
    AppendEscaped(message, &line);
    line += '"';
    for (const auto& [k, v] : fields) {
      line += ",\"";
      AppendEscaped(k, &line);
      line += "\":\"";
      AppendEscaped(v, &line);
      line += '"';
    }
  }
  logger.log(ToSpd(level), "{}", line);
}

}  // namespace kube::log
