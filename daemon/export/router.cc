#include "daemon/export/router.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <exception>
#include <utility>

namespace ccmon::web {
namespace {

Response InternalError() { return Response::Text(500, "Internal Server Error\n"); }

// Runs a handler or the authorizer; false if it threw. A bug in one endpoint must not take down
// the connection, let alone the engine thread.
template <typename F>
bool Guarded(const Request& request, F&& call) {
  try {
    call();
    return true;
  } catch (const std::exception& e) {
    spdlog::error("http: handler for {} {} threw: {}", request.method_name, request.path, e.what());
  } catch (...) {
    spdlog::error("http: handler for {} {} threw a non-standard exception", request.method_name,
                  request.path);
  }
  return false;
}

}  // namespace

void Router::Route(std::string path, Methods allowed, Handler handler) {
  if (path.empty() || path.front() != '/') {
    // A bug in the caller, found the first time the daemon starts.
    spdlog::critical("http: route \"{}\" does not start with '/'", path);
    std::abort();
  }
  routes_.insert_or_assign(std::move(path), Entry{allowed, std::move(handler)});
}

void Router::RoutePrefix(std::string prefix, Methods allowed, Handler handler) {
  if (prefix.empty() || prefix.front() != '/') {
    spdlog::critical("http: route prefix \"{}\" does not start with '/'", prefix);
    std::abort();
  }
  prefix_routes_.insert_or_assign(std::move(prefix), Entry{allowed, std::move(handler)});
}

const std::pair<const std::string, Router::Entry>* Router::Find(std::string_view path) const {
  if (const auto it = routes_.find(path); it != routes_.end()) return &*it;
  const std::pair<const std::string, Entry>* best = nullptr;
  for (const auto& route : prefix_routes_) {  // A handful of prefixes at most.
    if (path.substr(0, route.first.size()) == route.first &&
        (best == nullptr || route.first.size() > best->first.size())) {
      best = &route;
    }
  }
  return best;
}

void Router::SetAuthorizer(Authorizer authorizer) { authorizer_ = std::move(authorizer); }

Response Router::Dispatch(const Request& request) const {
  if (authorizer_) {
    std::optional<Response> refusal;
    const bool authorizer_ok = Guarded(request, [&] { refusal = authorizer_(request); });
    if (!authorizer_ok) return InternalError();
    if (refusal) return std::move(*refusal);
  }

  const auto* route = Find(request.path);
  if (route == nullptr) return Response::Text(404, "404 page not found\n");

  const Entry& entry = route->second;
  const bool allowed = entry.allowed.Contains(request.method) ||
                       (request.method == Method::kHead && entry.allowed.Contains(Method::kGet));
  if (!allowed) {
    Response r = Response::Text(405, "Method Not Allowed\n");
    r.headers.emplace_back("Allow", entry.allowed.AllowHeader());
    return r;
  }

  Response response;
  if (!Guarded(request, [&] { response = entry.handler(request); })) return InternalError();
  if (response.status < 100 || response.status > 599) {
    spdlog::error("http: handler for {} returned status {}", request.path, response.status);
    return InternalError();
  }
  return response;
}

const std::string* Router::FindRoute(std::string_view path) const {
  const auto* route = Find(path);
  return route == nullptr ? nullptr : &route->first;
}

}  // namespace ccmon::web
