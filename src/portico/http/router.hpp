#pragma once
// Routes a request by method and path pattern. Patterns are literal segments and {name}
// parameters, e.g. "/tickets/{id}/attachments/{attachment}". A path that matches a pattern under
// another method gives 405 with an Allow header; no match at all gives 404.

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "portico/http/message.hpp"

namespace portico::http {

class RouteParams {
 public:
  void add(std::string name, std::string value) {
    items_.emplace_back(std::move(name), std::move(value));
  }
  // The value of {name}; empty if the route has no such parameter.
  std::string_view get(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

template <typename Handler>
class Router {
 public:
  struct Match {
    const Handler* handler = nullptr;  // null when nothing matched
    RouteParams params;
    std::string allow;  // for 405: the methods that would have matched, comma-separated
  };

  void add(std::string method, std::string_view pattern, Handler handler) {
    routes_.push_back({std::move(method), split(pattern), std::move(handler)});
  }

  // HEAD is served by GET routes.
  Match match(std::string_view method, std::string_view path) const {
    Match result;
    auto segments = split(path);
    for (const auto& route : routes_) {
      RouteParams params;
      if (!matches(route.segments, segments, params)) continue;
      if (route.method == method || (method == "HEAD" && route.method == "GET")) {
        result.handler = &route.handler;
        result.params = std::move(params);
        return result;
      }
      if (result.allow.find(route.method) == std::string::npos) {
        if (!result.allow.empty()) result.allow += ", ";
        result.allow += route.method;
        if (route.method == "GET") result.allow += ", HEAD";
      }
    }
    return result;
  }

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
  };

  static std::vector<std::string> split(std::string_view path) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < path.size()) {
      while (i < path.size() && path[i] == '/') ++i;
      std::size_t j = path.find('/', i);
      if (j == std::string_view::npos) j = path.size();
      if (j > i) out.emplace_back(path.substr(i, j - i));
      i = j;
    }
    return out;
  }

  static bool matches(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                      RouteParams& params) {
    if (pattern.size() != path.size()) return false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      const std::string& p = pattern[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        params.add(p.substr(1, p.size() - 2), path[i]);
      } else if (p != path[i]) {
        return false;
      }
    }
    return true;
  }

  std::vector<Route> routes_;
};

}  // namespace portico::http
