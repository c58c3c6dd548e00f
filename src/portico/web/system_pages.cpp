// Operational endpoints: health check and static assets.

#include <nlohmann/json.hpp>

#include "portico/storage/db.hpp"
#include "portico/web/app.hpp"
#include "portico/web/static_files.hpp"

namespace portico::web {

namespace {

Result<http::Response> healthz(Context& ctx) {
  auto checked =
      ctx.services().db.with_connection([](storage::Connection& c) -> Result<std::int64_t> {
        auto row = c.query_one("SELECT 1");
        if (!row) return std::unexpected(row.error());
        return row->integer(0);
      });
  nlohmann::json body = {{"status", checked ? "ok" : "unavailable"},
                         {"database", checked ? "ok" : checked.error().message}};
  auto r = http::Response::json(body.dump(), checked ? 200 : 503);
  r.headers.set("Cache-Control", "no-store");
  return r;
}

Result<http::Response> serve_asset(Context& ctx, std::string name) {
  if (auto r = ctx.services().assets.serve(ctx.request(), name)) return std::move(*r);
  return fail(ErrorCode::kNotFound, "There is no such file.");
}

}  // namespace

void install_system_routes(App& app) {
  app.get("/healthz", healthz);
  app.get("/static/{name}",
          [](Context& ctx) { return serve_asset(ctx, std::string(ctx.param("name"))); });
  app.get("/static/vendor/{name}", [](Context& ctx) {
    return serve_asset(ctx, "vendor/" + std::string(ctx.param("name")));
  });
}

}  // namespace portico::web
