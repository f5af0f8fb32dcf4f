// Router: the route table of the HTTP server and the rules that turn a parsed Request into a
// Response (authorization, 404, 405 with Allow, handler errors as 500).
//
// HttpServer owns one and consults it for every request; the fuzz target and unit tests use it
// directly, without sockets. Not thread-safe: register routes before the server starts and
// dispatch on the io_context (engine) thread.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "daemon/export/http_message.h"

namespace ccmon::web {

class Router {
 public:
  // Serves `path` (exact match on the path; the query string is ignored for routing) with
  // `handler` for the `allowed` methods; allowing GET allows HEAD. A later Route() on the same
  // path replaces the earlier one (the wallboard replaces the landing page). `path` must start
  // with '/'.
  void Route(std::string path, Methods allowed, Handler handler);

  // Serves every path that starts with `prefix` and has no exact route (e.g. "/api/" answers
  // unknown API paths with a JSON 404); the longest matching prefix wins. Same rules as Route()
  // otherwise; `prefix` must start with '/'.
  void RoutePrefix(std::string prefix, Methods allowed, Handler handler);

  // Checks every request before routing; pass an empty function to remove the check.
  void SetAuthorizer(Authorizer authorizer);

  // The response for `request`: the authorizer's refusal, 404 for an unknown path, 405 (with
  // Allow) for a method the route does not allow, 500 if the handler throws or returns a status
  // outside 100-599, otherwise the handler's response. The body is kept for HEAD; HttpServer
  // drops it when writing. Never throws.
  Response Dispatch(const Request& request) const;

  // The registered path (or prefix) of the route that serves `path` (what Dispatch would use), or
  // nullptr if none does. Valid until the route is replaced. For the server's per-route counters
  // (a prefix route counts under its prefix, so request paths never become label values).
  const std::string* FindRoute(std::string_view path) const;

 private:
  struct Entry {
    Methods allowed;
    Handler handler;
  };
  // The exact route, else the longest prefix route, for `path`; nullptr if none.
  const std::pair<const std::string, Entry>* Find(std::string_view path) const;

  std::map<std::string, Entry, std::less<>> routes_;
  std::map<std::string, Entry, std::less<>> prefix_routes_;
  Authorizer authorizer_;
};

}  // namespace ccmon::web
