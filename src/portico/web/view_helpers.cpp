#include "portico/web/view_helpers.hpp"

#include <charconv>
#include <mutex>
#include <utility>

#include <fmt/format.h>

#include "portico/core/markdown.hpp"
#include "portico/core/time.hpp"

namespace portico::web {

namespace {

std::mutex wording_mutex;
std::shared_ptr<app::StatusWording> shown_wording;  // guarded by wording_mutex

std::shared_ptr<app::StatusWording> status_wording() {
  std::lock_guard lock(wording_mutex);
  return shown_wording;
}

}  // namespace

void show_status_wording(std::shared_ptr<app::StatusWording> wording) {
  std::lock_guard lock(wording_mutex);
  shown_wording = std::move(wording);
}

// Values are moved into place (operator[] and move assignment): kainjow's Data::set and
// push_back copy the whole value, which was a large share of a long thread's rendering time.
Data time_data(std::int64_t unix_seconds, std::string_view zone, std::int64_t now) {
  Data d;
  d["iso"] = Data(time::format_iso(unix_seconds));
  d["exact"] = Data(time::format_local(unix_seconds, zone));
  d["relative"] = Data(time::relative(unix_seconds, now));
  return d;
}

app::StatusWording::Definitions status_definitions() {
  auto wording = status_wording();
  return wording ? wording->definitions() : app::StatusWording::Definitions();
}

Data status_data(domain::Status status) { return status_data(status, status_definitions()); }

Data status_badge(domain::Status status, const app::StatusWording::Definitions& definitions) {
  const auto& facts = domain::facts(status);
  Data d;
  put(d, "name", std::string(facts.name));
  put(d, "pending_on", std::string(domain::pending_on_slug(facts.pending_on)));
  put(d, "definition", std::string(definitions.of(status)));
  return d;
}

Data status_data(domain::Status status, const app::StatusWording::Definitions& definitions) {
  const auto& facts = domain::facts(status);
  Data d;
  put(d, "name", std::string(facts.name));
  put(d, "slug", std::string(facts.slug));
  put(d, "definition", std::string(definitions.of(status)));
  put(d, "pending_on", std::string(domain::pending_on_slug(facts.pending_on)));
  put(d, "pending_label", std::string(domain::pending_on_label(facts.pending_on)));
  put(d, "owner", std::string(domain::owner_label(status)));
  return d;
}

std::string human_size(std::int64_t bytes) {
  if (bytes < 1024) return fmt::format("{} bytes", bytes);
  if (bytes < 1024 * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024.0);
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

Result<void> parse_paging(const http::Form& q, app::TicketQuery& query) {
  auto positive = [&](std::string_view name) -> std::optional<std::int64_t> {
    auto text = q.find(std::string(name));
    if (!text || text->empty()) return std::int64_t{0};
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
    if (ec != std::errc{} || end != text->data() + text->size() || n < 1) return std::nullopt;
    return n;
  };
  auto page = positive("page");
  if (!page || *page > 1'000'000'000) {
    return fail(ErrorCode::kInvalidArgument, "The page number must be a positive number.");
  }
  if (*page > 0) query.page = static_cast<int>(*page);
  auto after = positive("after");
  auto before = positive("before");
  if (!after || !before || (*after > 0 && *before > 0)) {
    return fail(ErrorCode::kInvalidArgument,
                "This page link is not valid: open the list again from its first page.");
  }
  if (*after > 0) query.after = *after;
  if (*before > 0) query.before = *before;
  return {};
}

Data thread_data(const app::TicketDetail& ticket, std::string_view zone, std::int64_t now) {
  kainjow::mustache::basic_list<std::string> messages;
  messages.reserve(ticket.messages.size());
  for (const auto& m : ticket.messages) {
    Data d;
    d["id"] = Data(std::to_string(m.id));
    d["author"] = Data(m.author_name);
    d["author_is_staff"] = Data(m.author_is_staff);
    d["internal"] = Data(m.is_internal);
    d["body_html"] = Data(markdown::to_html(m.body));
    d["time"] = time_data(m.created_at, zone, now);
    kainjow::mustache::basic_list<std::string> files;
    files.reserve(m.attachments.size());
    for (const auto& a : m.attachments) {
      Data f;
      f["href"] = Data(fmt::format("/tickets/{}/attachments/{}", ticket.id, a.id));
      f["filename"] = Data(a.filename);
      f["size"] = Data(human_size(a.size));
      f["content_type"] = Data(a.content_type);
      files.push_back(std::move(f));
    }
    d["has_attachments"] = Data(!files.empty());
    d["attachments"] = Data(files);
    messages.push_back(std::move(d));
  }
  return Data(messages);
}

void put_thread(Data& data, const app::TicketDetail& ticket, std::string_view page,
                std::string_view zone, std::int64_t now) {
  put(data, "messages", thread_data(ticket, zone, now));
  if (ticket.earlier_messages > 0 && !ticket.messages.empty()) {
    put(data, "earlier_label",
        fmt::format("{}{} earlier message{}", ticket.earlier_messages,
                    ticket.earlier_messages_capped ? "+" : "",
                    ticket.earlier_messages == 1 && !ticket.earlier_messages_capped ? "" : "s"));
    put(data, "earlier_href",
        fmt::format("{}?earlier={}#thread", page, ticket.messages.front().id));
  }
  if (ticket.later_messages) put(data, "newest_href", fmt::format("{}#latest", page));
}

Result<std::optional<std::int64_t>> earlier_message(Context& ctx) {
  auto q = ctx.query();
  if (!q) return std::optional<std::int64_t>{};
  auto text = (*q)->find("earlier");
  if (!text || text->empty()) return std::optional<std::int64_t>{};
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), id);
  if (ec != std::errc{} || end != text->data() + text->size() || id < 1) {
    return fail(ErrorCode::kInvalidArgument,
                "This link to earlier messages is not valid: open the ticket again.");
  }
  return std::optional<std::int64_t>{id};
}

}  // namespace portico::web
