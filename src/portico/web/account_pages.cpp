// Login, logout, Create password (invitation), forgot/reset password, and the account page.

#include <fmt/format.h>

#include "portico/app/accounts.hpp"
#include "portico/core/time.hpp"
#include "portico/web/app.hpp"
#include "portico/web/form_errors.hpp"

namespace portico::web {

namespace {

constexpr std::string_view kPortalHome = "/tickets";

std::string ip_key(Context& ctx, std::string_view what) {
  return fmt::format("{}:{}", what, ctx.request().remote_address);
}

Result<http::Response> login_form(Context& ctx) {
  auto query = ctx.query();
  if (!query) return std::unexpected(query.error());
  std::string next = safe_next((*query)->get("next"), kPortalHome);
  if (ctx.user()) return http::Response::redirect(next);
  Data data;
  put(data, "next", next);
  if ((*query)->get("reset") == "1")
    put(data, "notice", "Your password has been changed. Log in with the new one.");
  return ctx.page("login", std::move(data), "Log in");
}

Result<http::Response> login_submit(Context& ctx) {
  auto form = ctx.form();
  if (!form) return std::unexpected(form.error());
  std::string email = (*form)->get("email");
  std::string next = safe_next((*form)->get("next"), kPortalHome);
  Data data;
  put(data, "email", email);
  put(data, "next", next);
  auto& limits = ctx.services().limiters;
  if (auto ok = ctx.take_attempt(limits.login_ip, ip_key(ctx, "login")); !ok) {
    return std::unexpected(ok.error());
  }
  auto account = app::normalize_email(email);
  if (account) {
    if (auto ok = ctx.take_attempt(limits.login_account, "login:" + *account); !ok) {
      return std::unexpected(ok.error());
    }
  }
  auto session = app::login(ctx.services().env, email, (*form)->get("password"),
                            ctx.request().remote_address, ctx.request().header("User-Agent"));
  if (!session) {
    if (!is_form_error(session.error())) return std::unexpected(session.error());
    add_form_error(data, session.error());
    return ctx.page("login", std::move(data), "Log in", 401);
  }
  ctx.set_session(*session);
  return http::Response::redirect(next);
}

Result<http::Response> logout_submit(Context& ctx) {
  if (auto token = ctx.cookie(kSessionCookie)) {
    if (auto done = app::logout(ctx.services().env, *token); !done) {
      return std::unexpected(done.error());
    }
  }
  ctx.clear_session();
  return http::Response::redirect("/");
}

Result<http::Response> forgot_form(Context& ctx) {
  return ctx.page("forgot_password", Data{}, "Forgot your password?");
}

Result<http::Response> forgot_submit(Context& ctx) {
  auto form = ctx.form();
  if (!form) return std::unexpected(form.error());
  std::string email = (*form)->get("email");
  auto& limits = ctx.services().limiters;
  if (auto ok = ctx.take_attempt(limits.reset_ip, ip_key(ctx, "reset")); !ok) {
    return std::unexpected(ok.error());
  }
  auto key = app::normalize_email(email);
  if (!key) {
    Data data;
    put(data, "email", email);
    add_form_error(data, key.error());
    return ctx.page("forgot_password", std::move(data), "Forgot your password?", 400);
  }
  // Past the per-account budget we still answer the same way, but send nothing more.
  if (ctx.take_attempt(limits.reset_account, "reset:" + *key)) {
    if (auto sent = app::request_password_reset(ctx.services().env, *key); !sent) {
      return std::unexpected(sent.error());
    }
  }
  Data data;
  put(data, "heading", "Check your e-mail");
  put(data, "message",
      fmt::format("If {} belongs to an account, we have sent it a link to choose a new "
                  "password. The link works once and expires in {} hours.",
                  *key, app::kPasswordResetLifetime / 3600));
  return ctx.page("message", std::move(data), "Check your e-mail");
}

struct TokenPage {
  app::TokenPurpose purpose;
  std::string_view path;
  std::string_view title;
  std::string_view button;
};

constexpr TokenPage kCreatePassword{app::TokenPurpose::kInvitation, "/create-password",
                                    "Create your password", "Create password"};
constexpr TokenPage kResetPassword{app::TokenPurpose::kPasswordReset, "/reset-password",
                                   "Choose a new password", "Change password"};

Result<http::Response> link_problem(Context& ctx, const TokenPage& page, const Error& error) {
  if (error.code != ErrorCode::kNotFound && error.code != ErrorCode::kFailedPrecondition) {
    return std::unexpected(error);
  }
  Data data;
  put(data, "heading",
      page.purpose == app::TokenPurpose::kInvitation ? "This invitation link cannot be used"
                                                     : "This password reset link cannot be used");
  put(data, "message", error.message);
  put(data, "is_invitation", page.purpose == app::TokenPurpose::kInvitation);
  return ctx.page("link_problem", std::move(data), "Link cannot be used",
                  error.code == ErrorCode::kNotFound ? 404 : 410);
}

Data password_page_data(const TokenPage& page, const app::TokenHolder& holder,
                        const std::string& token) {
  Data data;
  put(data, "heading", std::string(page.title));
  put(data, "action", std::string(page.path));
  put(data, "button", std::string(page.button));
  put(data, "email", holder.email);
  put(data, "name", holder.name);
  put(data, "token", token);
  put(data, "is_invitation", page.purpose == app::TokenPurpose::kInvitation);
  return data;
}

Result<http::Response> token_form(Context& ctx, const TokenPage& page) {
  auto query = ctx.query();
  if (!query) return std::unexpected(query.error());
  if (auto ok = ctx.take_attempt(ctx.services().limiters.token_ip, ip_key(ctx, "token")); !ok) {
    return std::unexpected(ok.error());
  }
  std::string token = (*query)->get("token");
  auto holder = app::check_token(ctx.services().env, token, page.purpose);
  if (!holder) return link_problem(ctx, page, holder.error());
  auto r = ctx.page("set_password", password_page_data(page, *holder, token), page.title);
  // The token is in this page's address: keep it out of Referer headers and caches.
  r.headers.set("Referrer-Policy", "no-referrer");
  return r;
}

Result<http::Response> token_submit(Context& ctx, const TokenPage& page) {
  auto form = ctx.form();
  if (!form) return std::unexpected(form.error());
  if (auto ok = ctx.take_attempt(ctx.services().limiters.token_ip, ip_key(ctx, "token")); !ok) {
    return std::unexpected(ok.error());
  }
  std::string token = (*form)->get("token");
  auto holder = app::check_token(ctx.services().env, token, page.purpose);
  if (!holder) return link_problem(ctx, page, holder.error());
  auto session =
      app::redeem_token(ctx.services().env, token, page.purpose, (*form)->get("password"),
                        (*form)->get("password_confirm"), ctx.request().remote_address,
                        ctx.request().header("User-Agent"));
  if (!session) {
    if (session.error().code == ErrorCode::kInvalidArgument) {
      Data data = password_page_data(page, *holder, token);
      add_form_error(data, session.error());
      return ctx.page("set_password", std::move(data), page.title, 400);
    }
    return link_problem(ctx, page, session.error());
  }
  ctx.set_session(*session);
  // Staff land on their desk, customers in the Ticket Portal.
  bool staff = domain::is_staff(session->role);
  return http::Response::redirect(staff ? "/desk" : std::string(kPortalHome));
}

Data account_data(Context& ctx, const app::SessionUser& me) {
  Data data;
  put(data, "name", me.name);
  put(data, "email", me.email);
  if (!me.organization_name.empty()) put(data, "organization", me.organization_name);
  put(data, "role", std::string(domain::role_slug(me.role)));
  Data zones{Data::type::list};
  for (const auto& zone : time::zone_names()) {
    Data z;
    put(z, "zone", zone);
    put(z, "selected", zone == me.time_zone);
    append(zones, std::move(z));
  }
  put(data, "zones", std::move(zones));
  Data teams{Data::type::list};
  for (auto team : me.teams) teams.push_back(Data(std::string(domain::team_name(team))));
  put(data, "teams", teams);
  put(data, "has_teams", !me.teams.empty());
  auto query = ctx.query();
  if (query && (*query)->get("saved") == "profile") put(data, "notice", "Your details are saved.");
  if (query && (*query)->get("saved") == "password") {
    put(data, "notice", "Your password has been changed; other devices have been logged out.");
  }
  if (query && (*query)->get("saved") == "everywhere") {
    put(data, "notice", "You have been logged out everywhere else.");
  }
  return data;
}

Result<http::Response> account_page(Context& ctx) {
  auto me = ctx.require_user();
  if (!me) return std::unexpected(me.error());
  return ctx.page("account", account_data(ctx, **me), "Your account");
}

Result<http::Response> account_profile(Context& ctx) {
  auto me = ctx.require_user();
  if (!me) return std::unexpected(me.error());
  auto form = ctx.form();
  if (!form) return std::unexpected(form.error());
  auto saved = app::update_profile(ctx.services().env, **me, (*form)->get("name"),
                                   (*form)->get("time_zone"));
  if (!saved) {
    if (!is_form_error(saved.error())) return std::unexpected(saved.error());
    Data data = account_data(ctx, **me);
    add_form_error(data, saved.error());
    return ctx.page("account", std::move(data), "Your account", 400);
  }
  return http::Response::redirect("/account?saved=profile");
}

Result<http::Response> account_password(Context& ctx) {
  auto me = ctx.require_user();
  if (!me) return std::unexpected(me.error());
  auto form = ctx.form();
  if (!form) return std::unexpected(form.error());
  if (auto ok = ctx.take_attempt(ctx.services().limiters.login_account, "login:" + (*me)->email);
      !ok) {
    return std::unexpected(ok.error());
  }
  auto session =
      app::change_password(ctx.services().env, **me, (*form)->get("current_password"),
                           (*form)->get("password"), (*form)->get("password_confirm"),
                           ctx.request().remote_address, ctx.request().header("User-Agent"));
  if (!session) {
    if (!is_form_error(session.error())) return std::unexpected(session.error());
    Data data = account_data(ctx, **me);
    add_form_error(data, session.error());
    return ctx.page("account", std::move(data), "Your account", 400);
  }
  ctx.set_session(*session);
  return http::Response::redirect("/account?saved=password");
}

Result<http::Response> account_logout_everywhere(Context& ctx) {
  auto me = ctx.require_user();
  if (!me) return std::unexpected(me.error());
  if (auto done = app::logout_everywhere(ctx.services().env, (*me)->id); !done) {
    return std::unexpected(done.error());
  }
  ctx.clear_session();
  return http::Response::redirect("/login");
}

}  // namespace

void install_account_routes(App& app) {
  app.get("/login", login_form);
  app.post("/login", login_submit);
  app.post("/logout", logout_submit);
  app.get("/forgot-password", forgot_form);
  app.post("/forgot-password", forgot_submit);
  app.get("/create-password", [](Context& ctx) { return token_form(ctx, kCreatePassword); });
  app.post("/create-password", [](Context& ctx) { return token_submit(ctx, kCreatePassword); });
  app.get("/reset-password", [](Context& ctx) { return token_form(ctx, kResetPassword); });
  app.post("/reset-password", [](Context& ctx) { return token_submit(ctx, kResetPassword); });
  app.get("/account", account_page);
  app.post("/account", account_profile);
  app.post("/account/password", account_password);
  app.post("/account/logout-everywhere", account_logout_everywhere);
}

}  // namespace portico::web
