#pragma once
// Small pieces of view data shared by pages: times in the viewer's zone, statuses with their
// definitions, file sizes.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "portico/app/status_wording.hpp"
#include "portico/app/tickets.hpp"
#include "portico/domain/status.hpp"
#include "portico/http/forms.hpp"
#include "portico/web/context.hpp"
#include "portico/web/templates.hpp"

namespace portico::web {

// {iso, exact, relative} for a <time> element.
Data time_data(std::int64_t unix_seconds, std::string_view zone, std::int64_t now);
// {name, slug, definition, pending_on, pending_label, owner}; the definition in the wording set
// by show_status_wording().
Data status_data(domain::Status status);
// The same with the definitions read once by the caller (status_definitions()).
Data status_data(domain::Status status, const app::StatusWording::Definitions& definitions);
// {name, pending_on, definition}: a status in a ticket list's row.
Data status_badge(domain::Status status, const app::StatusWording::Definitions& definitions);
// The definitions in show_status_wording()'s wording, read once for a page of many statuses.
app::StatusWording::Definitions status_definitions();
// The wording status_data() uses for definitions, process-wide: the App sets its services' one
// when it is constructed. Without one (or with null), the built-in definitions.
void show_status_wording(std::shared_ptr<app::StatusWording> wording);
// "512 bytes", "1.4 KiB", "2.0 MiB"
std::string human_size(std::int64_t bytes);
// A ticket list's paging from the query string into query: page (a positive number), and the
// keyset cursors after / before (ticket ids) that the Next and Previous links carry.
[[nodiscard]] Result<void> parse_paging(const http::Form& q, app::TicketQuery& query);
// The conversation of a ticket: each message with author, time, rendered Markdown, attachments.
Data thread_data(const app::TicketDetail& ticket, std::string_view zone, std::int64_t now);
// Puts the thread into a ticket page's data: "messages", and when the thread is longer than a
// page shows, "earlier_label"/"earlier_href" (the messages before the first shown) and
// "newest_href". `page` is the ticket page's path ("/tickets/42").
void put_thread(Data& data, const app::TicketDetail& ticket, std::string_view page,
                std::string_view zone, std::int64_t now);
// The ticket page's "earlier" parameter (a message id: show the messages before it); none when
// absent or when the query string cannot be read.
[[nodiscard]] Result<std::optional<std::int64_t>> earlier_message(Context& ctx);

}  // namespace portico::web
