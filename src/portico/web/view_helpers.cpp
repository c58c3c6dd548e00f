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

// Values are moved into place (operator[] and move assignment): kainjow's Data::set and
// push_back copy the whole value, which was a large share of a long thread's rendering time.
Data time_data(std::int64_t unix_seconds, std::string_view zone, std::int64_t now) {
  Data d;
  d["iso"] = Data(time::format_iso(unix_seconds));
  d["exact"] = Data(time::format_local(unix_seconds, zone));
  d["relative"] = Data(time::relative(unix_seconds, now));
  return d;
}

Data status_data(domain::Status status) {
  const auto& facts = domain::facts(status);
  Data d;
  put(d, "name", std::string(facts.name));
  put(d, "slug", std::string(facts.slug));
  auto wording = status_wording();
  put(d, "definition", wording ? wording->definition(status) : std::string(facts.definition));
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

}  // namespace portico::web
