#include "kube/json_stream.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kube {
namespace {

std::vector<std::string> FeedInPieces(const std::string& input, size_t piece) {
  JsonStream stream;
  std::vector<std::string> docs;
  for (size_t i = 0; i < input.size(); i += piece) {
    stream.Feed(input.substr(i, piece), [&](std::string_view d) {
      docs.emplace_back(d);
      return true;
    });
  }
  return docs;
}

TEST(JsonStream, SplitsDocumentsWhateverTheChunkBoundaries) {
  const std::string input =
      "{\"type\":\"ADDED\",\"object\":{\"a\":\"}{\\\"\"}}\n{\"type\":\"DELETED\",\"object\":{\"b\":[1,{}]}}\n"
      "  {\"type\":\"BOOKMARK\",\"object\":{}}";
  for (size_t piece : {1u, 2u, 3u, 7u, 1000u}) {
    auto docs = FeedInPieces(input, piece);
    ASSERT_EQ(docs.size(), 3u) << "piece " << piece;
    EXPECT_EQ(docs[0], "{\"type\":\"ADDED\",\"object\":{\"a\":\"}{\\\"\"}}");
    EXPECT_EQ(docs[1], "{\"type\":\"DELETED\",\"object\":{\"b\":[1,{}]}}");
    EXPECT_EQ(docs[2], "{\"type\":\"BOOKMARK\",\"object\":{}}");
  }
}

TEST(JsonStream, HoldsBackAnIncompleteDocument) {
  JsonStream stream;
  int n = 0;
  stream.Feed("{\"a\":1}{\"b\":", [&](std::string_view) { return ++n, true; });
  EXPECT_EQ(n, 1);
  EXPECT_EQ(stream.pending(), 5u);
  stream.Feed("2}", [&](std::string_view d) {
    EXPECT_EQ(d, "{\"b\":2}");
    return ++n, true;
  });
  EXPECT_EQ(n, 2);
  EXPECT_EQ(stream.pending(), 0u);
}

TEST(JsonStream, StopsWhenTheConsumerSaysSo) {
  JsonStream stream;
  int n = 0;
  EXPECT_FALSE(stream.Feed("{}{}{}", [&](std::string_view) { return ++n < 2; }));
  EXPECT_EQ(n, 2);
}

}  // namespace
}  // namespace kube
