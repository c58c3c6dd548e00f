#pragma once
// The web application: routes, the per-request pipeline (CSRF, security headers, error mapping)
// and error pages. Transport-agnostic: http::Server calls handle() on its threads, several at once.

#include <functional>
#include <string>
#include <string_view>

#include "portico/http/message.hpp"
#include "portico/http/router.hpp"
#include "portico/web/context.hpp"

namespace portico::web {

// A handler parses input, calls one service and maps the result. Expected failures are returned
// as errors and become the right error page (or JSON) in one place.
using Handler = std::function<Result<http::Response>(Context&)>;

class App {
 public:
  explicit App(Services services);

  void get(std::string_view pattern, Handler handler) {
    router_.add("GET", pattern, std::move(handler));
  }
  void post(std::string_view pattern, Handler handler) {
    router_.add("POST", pattern, std::move(handler));
  }

  // Serves one request. Never throws: an escaped exception becomes a 500 page with an error ID
  // that is also logged with the details.
  http::Response handle(http::Request& request);

  // The page (or JSON, for /api/) for an error status. Cheap: it answers requests refused before
  // any handler.
  http::Response error_page(int status, const http::Request* request, std::string_view message = {},
                            std::string_view error_id = {}) const;

  // The error page for an expected failure carried as a value.
  http::Response error_response(const Error& error, const http::Request& request) const;

  const Services& services() const { return services_; }

 private:
  http::Response dispatch(http::Request& request);

  Services services_;
  http::Router<Handler> router_;
};

// Maps a canonical error code to its HTTP status (the one place this mapping lives).
int status_for(ErrorCode code);

// Registers the routes of each area; defined beside the pages they serve.
void install_system_routes(App& app);
void install_help_center_routes(App& app);
void install_account_routes(App& app);
void install_portal_routes(App& app);
void install_desk_routes(App& app);
void install_admin_routes(App& app);

}  // namespace portico::web
