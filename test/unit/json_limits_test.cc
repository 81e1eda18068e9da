#include "kube/json_limits.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace kube {
namespace {

TEST(JsonLimits, DepthIsCountedOutsideStringsOnly) {
  EXPECT_EQ(NestingDepth("1"), 0);
  EXPECT_EQ(NestingDepth("{\"a\":[1,{\"b\":[]}]}"), 4);
  EXPECT_EQ(NestingDepth("{\"a\":\"[[[[\\\"]]]\"}"), 1);
  EXPECT_EQ(NestingDepth("]]]][["), 2);  // not JSON: still measured, never negative
}

TEST(JsonLimits, DeepDocumentsAreRefusedBeforeParsing) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto parsed = ParseJson(deep);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(parsed.status().message(), "is nested 100000 levels deep; at most 512 are taken");
  EXPECT_TRUE(ParseJson(std::string(512, '[') + std::string(512, ']')).ok());
  EXPECT_FALSE(ParseJson(std::string(513, '[') + std::string(513, ']')).ok());
}

TEST(JsonLimits, MalformedJsonSaysWhere) {
  auto parsed = ParseJson("{\"a\": ");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message().rfind("is not valid JSON (parse error at line 1, column 7", 0), 0u)
      << parsed.status().message();
  EXPECT_FALSE(ParseJson("\"\xff\"").ok());
  EXPECT_FALSE(ParseOrderedJson("").ok());
}

TEST(Quoted, LongValuesAreCutOnACharacterBoundary) {
  EXPECT_EQ(Quoted("abc"), "\"abc\"");
  EXPECT_EQ(Quoted(std::string(60000, 'x')), "\"" + std::string(100, 'x') + "...\" (60000 bytes)");
  EXPECT_EQ(Quoted("a\xc3\xa9" "b", 2), "\"a...\" (4 bytes)");
}

}  // namespace
}  // namespace kube
