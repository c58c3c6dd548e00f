#include "portico/web/view_helpers.hpp"

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

Data time_data(std::int64_t unix_seconds, std::string_view zone, std::int64_t now) {
  Data d;
  d.set("iso", time::format_iso(unix_seconds));
  d.set("exact", time::format_local(unix_seconds, zone));
  d.set("relative", time::relative(unix_seconds, now));
  return d;
}

Data status_data(domain::Status status) {
  const auto& facts = domain::facts(status);
  Data d;
  d.set("name", std::string(facts.name));
  d.set("slug", std::string(facts.slug));
  auto wording = status_wording();
  d.set("definition", wording ? wording->definition(status) : std::string(facts.definition));
  d.set("pending_on", std::string(domain::pending_on_slug(facts.pending_on)));
  d.set("pending_label", std::string(domain::pending_on_label(facts.pending_on)));
  d.set("owner", std::string(domain::owner_label(status)));
  return d;
}

std::string human_size(std::int64_t bytes) {
  if (bytes < 1024) return fmt::format("{} bytes", bytes);
  if (bytes < 1024 * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024.0);
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

Data thread_data(const app::TicketDetail& ticket, std::string_view zone, std::int64_t now) {
  Data messages{Data::type::list};
  for (const auto& m : ticket.messages) {
    Data d;
    d.set("id", std::to_string(m.id));
    d.set("author", m.author_name);
    d.set("author_is_staff", m.author_is_staff);
    d.set("internal", m.is_internal);
    d.set("body_html", markdown::to_html(m.body));
    d.set("time", time_data(m.created_at, zone, now));
    Data files{Data::type::list};
    for (const auto& a : m.attachments) {
      Data f;
      f.set("href", fmt::format("/tickets/{}/attachments/{}", ticket.id, a.id));
      f.set("filename", a.filename);
      f.set("size", human_size(a.size));
      f.set("content_type", a.content_type);
      files.push_back(f);
    }
    d.set("attachments", files);
    d.set("has_attachments", !m.attachments.empty());
    messages.push_back(d);
  }
  return messages;
}

}  // namespace portico::web
