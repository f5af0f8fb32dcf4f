// The route table's rules, without sockets.
#include "daemon/export/router.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace ccmon::web {
namespace {

Request MakeRequest(Method method, std::string path) {
  Request r;
  r.method = method;
  r.method_name = std::string(MethodName(method));
  r.path = std::move(path);
  return r;
}

std::string AllowOf(const Response& r) {
  for (const auto& [name, value] : r.headers) {
    if (name == "Allow") return value;
  }
  return "";
}

TEST(Router, AnswersKnownPathsWithTheirHandler) {
  Router router;
  router.Route("/a", Methods::Get(), [](const Request&) { return Response::Text(200, "a"); });
  const Response r = router.Dispatch(MakeRequest(Method::kGet, "/a"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "a");
  EXPECT_EQ(router.Dispatch(MakeRequest(Method::kGet, "/b")).status, 404);
}

TEST(Router, GetImpliesHeadAndOtherMethodsGet405WithAllow) {
  Router router;
  router.Route("/a", Methods::Get(), [](const Request&) { return Response::Text(200, "a"); });
  router.Route("/b", Methods{Method::kPost, Method::kPut},
               [](const Request&) { return Response::Text(204, ""); });
  EXPECT_EQ(router.Dispatch(MakeRequest(Method::kHead, "/a")).body, "a");  // Server drops it.
  const Response r = router.Dispatch(MakeRequest(Method::kPost, "/a"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(AllowOf(r), "GET, HEAD");
  const Response b = router.Dispatch(MakeRequest(Method::kHead, "/b"));
  EXPECT_EQ(b.status, 405);
  EXPECT_EQ(AllowOf(b), "POST, PUT");
  EXPECT_EQ(router.Dispatch(MakeRequest(Method::kOther, "/b")).status, 405);
}

TEST(Router, ALaterRouteReplacesAnEarlierOne) {
  Router router;
  router.Route("/", Methods::Get(), [](const Request&) { return Response::Text(200, "landing"); });
  router.Route("/", Methods::Get(), [](const Request&) { return Response::Text(200, "board"); });
  EXPECT_EQ(router.Dispatch(MakeRequest(Method::kGet, "/")).body, "board");
}

TEST(Router, ThrowingHandlersAndBadStatusesBecome500) {
  Router router;
  router.Route("/throw", Methods::Get(), [](const Request&) -> Response { throw 42; });
  router.Route("/bad", Methods::Get(), [](const Request&) { return Response::Text(42, ""); });
  EXPECT_EQ(router.Dispatch(MakeRequest(Method::kGet, "/throw")).status, 500);
  EXPECT_EQ(router.Dispatch(MakeRequest(Method::kGet, "/bad")).status, 500);
}

TEST(Router, TheAuthorizerRunsFirstAndAThrowingOneRefuses) {
  Router router;
  router.Route("/a", Methods::Get(), [](const Request&) { return Response::Text(200, "a"); });
  bool allow = false;
  router.SetAuthorizer([&](const Request&) -> std::optional<Response> {
    if (allow) return std::nullopt;
    return Response::Text(401, "no");
  });
  EXPECT_EQ(router.Dispatch(MakeRequest(Method::kGet, "/a")).status, 401);
  EXPECT_EQ(router.Dispatch(MakeRequest(Method::kGet, "/unknown")).status, 401);
  allow = true;
  EXPECT_EQ(router.Dispatch(MakeRequest(Method::kGet, "/a")).status, 200);

  router.SetAuthorizer(
      [](const Request&) -> std::optional<Response> { throw std::runtime_error("bcrypt failed"); });
  EXPECT_EQ(router.Dispatch(MakeRequest(Method::kGet, "/a")).status, 500);
  router.SetAuthorizer(nullptr);
  EXPECT_EQ(router.Dispatch(MakeRequest(Method::kGet, "/a")).status, 200);
}

TEST(Router, PrefixRoutesServeUnknownPathsBelowThemLongestPrefixFirst) {
  Router router;
  router.Route("/api/v1/x", Methods::Get(),
               [](const Request&) { return Response::Text(200, "x"); });
  router.RoutePrefix("/api/", Methods::Get(),
                     [](const Request&) { return Response::Text(404, "api"); });
  router.RoutePrefix("/api/v2/", Methods::Get(),
                     [](const Request&) { return Response::Text(404, "v2"); });
  EXPECT_EQ(router.Dispatch(MakeRequest(Method::kGet, "/api/v1/x")).body, "x");  // Exact wins.
  EXPECT_EQ(router.Dispatch(MakeRequest(Method::kGet, "/api/v1/y")).body, "api");
  EXPECT_EQ(router.Dispatch(MakeRequest(Method::kGet, "/api/v2/y")).body, "v2");
  EXPECT_EQ(router.Dispatch(MakeRequest(Method::kGet, "/api")).status, 404);
  EXPECT_EQ(router.Dispatch(MakeRequest(Method::kGet, "/api")).body, "404 page not found\n");
  EXPECT_EQ(router.Dispatch(MakeRequest(Method::kPost, "/api/z")).status, 405);
  // Counted under the prefix, so request paths never become label values.
  ASSERT_NE(router.FindRoute("/api/anything"), nullptr);
  EXPECT_EQ(*router.FindRoute("/api/anything"), "/api/");
  EXPECT_EQ(*router.FindRoute("/api/v1/x"), "/api/v1/x");
  EXPECT_EQ(router.FindRoute("/other"), nullptr);
}

TEST(Methods, AllowHeaderListsHeadWithGet) {
  EXPECT_EQ(Methods::Get().AllowHeader(), "GET, HEAD");
  EXPECT_EQ((Methods{Method::kPost} | Methods::Get()).AllowHeader(), "GET, HEAD, POST");
  EXPECT_EQ(Methods{}.AllowHeader(), "");
}

}  // namespace
}  // namespace ccmon::web
