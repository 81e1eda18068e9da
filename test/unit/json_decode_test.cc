#include "kube/json_decode.h"

#include <gtest/gtest.h>

namespace kube {
namespace {

TEST(DecodeApiError, KeepsReasonCodeAndFieldCauses) {
  const std::string body = R"({"kind":"Status","apiVersion":"v1","status":"Failure",
    "message":"ConfigMap \"x\" is invalid: metadata.name: Invalid value","reason":"Invalid",
    "details":{"name":"x","kind":"ConfigMap","causes":[{"reason":"FieldValueInvalid",
    "message":"Invalid value: \"X\"","field":"metadata.name"}]},"code":422})";
  Status s = DecodeApiError(422, body);
  EXPECT_EQ(s.code(), Code::kInvalid);
  EXPECT_EQ(s.http_code(), 422);
  ASSERT_EQ(s.causes().size(), 1u);
  EXPECT_EQ(s.causes()[0].field, "metadata.name");
  EXPECT_NE(s.ToString().find("metadata.name: Invalid value"), std::string::npos);
}

TEST(DecodeApiError, MapsReasons) {
  EXPECT_EQ(DecodeApiError(404, R"({"kind":"Status","reason":"NotFound","code":404})").code(), Code::kNotFound);
  EXPECT_EQ(DecodeApiError(409, R"({"kind":"Status","reason":"AlreadyExists","code":409})").code(),
            Code::kAlreadyExists);
  EXPECT_EQ(DecodeApiError(409, R"({"kind":"Status","reason":"Conflict","code":409})").code(), Code::kConflict);
  EXPECT_EQ(DecodeApiError(410, R"({"kind":"Status","reason":"Expired","code":410})").code(), Code::kGone);
  EXPECT_EQ(DecodeApiError(403, R"({"kind":"Status","reason":"Forbidden","code":403})").code(), Code::kForbidden);
  Status busy = DecodeApiError(429, R"({"kind":"Status","reason":"TooManyRequests","details":{"retryAfterSeconds":3}})");
  EXPECT_EQ(busy.code(), Code::kTooManyRequests);
  EXPECT_EQ(busy.retry_after_seconds(), 3);
}

TEST(DecodeApiError, NonStatusBodiesStillGiveACode) {
  Status s = DecodeApiError(503, "upstream unavailable");
  EXPECT_EQ(s.code(), Code::kServerError);
  EXPECT_EQ(s.message(), "upstream unavailable");
  EXPECT_EQ(DecodeApiError(502, "").message(), "HTTP 502");
}

TEST(DecodeList, ItemsGetKindAndMetadata) {
  const std::string body = R"({"kind":"ConfigMapList","apiVersion":"v1",
    "metadata":{"resourceVersion":"42","continue":"abc"},
    "items":[{"metadata":{"name":"a","namespace":"ns","uid":"u1","resourceVersion":"40",
      "labels":{"k":"v"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"DaemonSet","name":"o",
      "uid":"ou","controller":true}]},"data":{"x":"1"}},
      {"metadata":{"name":"b","namespace":"ns","resourceVersion":"41"}}]})";
  auto page = DecodeList(body);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->resource_version, "42");
  EXPECT_EQ(page->continue_token, "abc");
  ASSERT_EQ(page->items.size(), 2u);
  const Object& a = page->items[0];
  EXPECT_EQ(a.Key(), "ns/a");
  EXPECT_EQ(a.Labels().at("k"), "v");
  ASSERT_NE(a.meta().ControllerOwner(), nullptr);
  EXPECT_EQ(a.meta().ControllerOwner()->uid, "ou");
  EXPECT_EQ(a.json().rfind(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":)", 0), 0u) << a.json();
}

TEST(DecodeObject, FieldMaskKeepsOnlyListedPathsAndMetadata) {
  const std::string pod = R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"n",
    "resourceVersion":"7","managedFields":[{"manager":"x"}],"annotations":{"big":"yes"}},
    "spec":{"nodeName":"node-1","containers":[{"name":"c","image":"i"}]},
    "status":{"phase":"Running","conditions":[]}})";
  FieldMask mask = FieldMask::WithMetadata({"spec.nodeName", "status.phase"});
  auto obj = DecodeObject(pod, &mask);
  ASSERT_TRUE(obj.ok());
  EXPECT_EQ(obj->json(),
            R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"n","resourceVersion":"7"},)"
            R"("spec":{"nodeName":"node-1"},"status":{"phase":"Running"}})");
  EXPECT_EQ(obj->resource_version(), "7");
}

TEST(DecodeObject, FieldMaskKeepsOneAnnotationWhoseKeyHoldsDots) {
  const std::string node = R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"n",
    "annotations":{"example.com/why":"drain timed out","example.com/other":"x"}}})";
  FieldMask mask = FieldMask::WithMetadata({});
  mask.Keep({"metadata", "annotations", "example.com/why"});
  auto obj = DecodeObject(node, &mask);
  ASSERT_TRUE(obj.ok());
  EXPECT_EQ(obj->json(), R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"n",)"
                         R"("annotations":{"example.com/why":"drain timed out"}}})");
}

TEST(DecodeWatchEvent, ErrorEventCarriesGone) {
  auto ev = DecodeWatchEvent(R"J({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1",
    "message":"too old resource version: 5 (10)","reason":"Expired","code":410}})J");
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->type, WatchEventType::kError);
  EXPECT_TRUE(IsGone(ev->error));
}

TEST(DecodeWatchEvent, BookmarkCarriesResourceVersion) {
  auto ev = DecodeWatchEvent(R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1",
    "metadata":{"resourceVersion":"99","annotations":{"k8s.io/initial-events-end":"true"}}}})");
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->type, WatchEventType::kBookmark);
  EXPECT_EQ(ev->object.resource_version(), "99");
  EXPECT_TRUE(ev->initial_events_end);
}

TEST(DecodeWatchEvent, MalformedInputIsAnErrorNotACrash) {
  EXPECT_FALSE(DecodeWatchEvent("{\"type\":").ok());
  EXPECT_FALSE(DecodeWatchEvent(R"({"type":"ADDED"})").ok());
  EXPECT_FALSE(DecodeWatchEvent(R"({"type":"WHAT","object":{}})").ok());
  EXPECT_FALSE(DecodeList("[1,2").ok());
}

}  // namespace
}  // namespace kube
