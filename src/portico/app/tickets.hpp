#pragma once
// The Ticket Portal's services: submit a ticket, list and search tickets within the actor's
// visibility scope, read one ticket, reply, manage CCs, close, confirm a fix, and fetch an
// attachment. Every read applies domain::Policy; a ticket the actor may not see is kNotFound,
// exactly like a missing one.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "portico/app/accounts.hpp"
#include "portico/app/env.hpp"
#include "portico/core/result.hpp"
#include "portico/domain/policy.hpp"
#include "portico/domain/status.hpp"
#include "portico/domain/workflow.hpp"

namespace portico::app {

// Limits on what one message may carry.
inline constexpr std::size_t kMaxSubjectLength = 200;
inline constexpr std::size_t kMaxBodyLength = 100'000;
inline constexpr std::size_t kMaxAttachments = 10;
inline constexpr std::size_t kMaxAttachmentBytes = 25 * 1024 * 1024;
inline constexpr int kPageSize = 25;
// A page named by its number alone is read by skipping every row before it (the last page of an
// organization with 120,000 tickets cost 350 ms). Past this page, Next and Previous, which carry
// a cursor (TicketQuery::after / before), reach every page at the cost of the first.
inline constexpr int kMaxNumberedPage = 100;

struct Upload {
  std::string filename;
  std::string content_type;
  std::string bytes;
};

// ---- Listing and search ------------------------------------------------------------------

// The Status filter of the ticket list; each is derived from the domain's status table.
enum class StatusFilter { kAll, kPendingOnSupport, kPendingOnMe, kOpen, kClosed };
std::string_view status_filter_slug(StatusFilter filter);
std::string_view status_filter_label(StatusFilter filter);
std::optional<StatusFilter> status_filter_from_slug(std::string_view slug);
std::span<const StatusFilter> all_status_filters();

enum class SortColumn { kId, kSubject, kCreated, kLastActivity, kStatus };
std::string_view sort_column_slug(SortColumn column);
std::optional<SortColumn> sort_column_from_slug(std::string_view slug);

struct TicketQuery {
  domain::TicketView view = domain::TicketView::kMine;
  StatusFilter filter = StatusFilter::kAll;
  std::string search;  // a ticket number ("42", "#42") or words
  SortColumn sort = SortColumn::kLastActivity;
  bool descending = true;
  int page = 1;  // 1-based
  int page_size = kPageSize;
  // Keyset pagination: the page just after (or before) this ticket in the list's order; `page`
  // then only numbers it. Ignored by a search (at most a few hundred tickets, paged by number)
  // and when the ticket no longer exists.
  std::optional<std::int64_t> after;
  std::optional<std::int64_t> before;
  // The requester's, organization's and assignee's names of each row (the desk's columns). The
  // portal's list shows none of them and leaves them out: three lookups fewer per row.
  bool with_names = true;
  // Agent desk only (ignored for customers): narrow the queue.
  bool unassigned = false;
  std::optional<std::int64_t> assignee_id;
  std::optional<domain::Team> team;      // statuses that team owns
  std::optional<domain::Status> status;  // one exact status
  std::optional<std::int64_t> organization_id;
  std::optional<domain::TicketType> type;
};

struct TicketListItem {
  std::int64_t id = 0;
  std::string subject;
  domain::Status status = domain::Status::kSupportTeamNotified;
  domain::TicketType type = domain::TicketType::kProblem;
  std::int64_t created_at = 0;
  std::int64_t last_activity_at = 0;
  // Empty unless TicketQuery::with_names.
  std::string requester_name;
  std::string organization_name;
  std::optional<std::string> assignee_name;
  // Search only: the matching text, HTML-escaped, matches wrapped in <mark>.
  std::string subject_html;
  std::string snippet_html;
};

struct TicketList {
  std::vector<TicketListItem> items;
  std::int64_t total = 0;  // matching the whole query (all pages)
  // A search listed only the newest matches (see list_tickets): there are more.
  bool more = false;
  std::vector<std::pair<StatusFilter, std::int64_t>> counts;  // per filter, same view + search
  std::vector<std::pair<domain::Status, std::int64_t>> status_counts;  // per status, same query
  int page = 1;
  int pages = 1;
  // When the list pages by keyset: the cursors of the next and previous pages (the last and the
  // first ticket shown).
  std::optional<std::int64_t> next_after;
  std::optional<std::int64_t> prev_before;
};

[[nodiscard]] Result<TicketList> list_tickets(Env& env, const domain::Actor& actor,
                                              const TicketQuery& query);

// ---- One ticket --------------------------------------------------------------------------

struct AttachmentInfo {
  std::int64_t id = 0;
  std::string filename;
  std::string content_type;
  std::int64_t size = 0;
};

struct MessageView {
  std::int64_t id = 0;
  std::string author_name;
  bool author_is_staff = false;
  std::string body;  // Markdown as written
  bool is_internal = false;
  std::int64_t created_at = 0;
  std::vector<AttachmentInfo> attachments;
};

struct Person {
  std::int64_t id = 0;
  std::string name;
  std::string email;
};

// One stay in a status, for the timeline.
struct StatusPeriod {
  domain::Status status;
  std::int64_t entered_at = 0;
  std::optional<std::int64_t> left_at;  // none: the current status
  std::string actor_name;               // who moved it there ("" for the system)
  std::string reason;
};

struct TicketDetail {
  std::int64_t id = 0;
  domain::TicketType type = domain::TicketType::kProblem;
  std::string subject;
  domain::Status status = domain::Status::kSupportTeamNotified;
  Person requester;
  std::int64_t organization_id = 0;
  std::string organization_name;
  std::optional<Person> assignee;
  std::int64_t created_at = 0;
  std::int64_t last_activity_at = 0;
  std::optional<std::int64_t> closed_at;
  std::optional<domain::Resolution> resolution;
  std::optional<std::string> fix_version;
  std::optional<std::string> deployment_schedule;
  std::optional<domain::FixGiven> fix_given;
  std::optional<std::int64_t> linked_ticket_id;
  std::vector<Person> ccs;
  std::vector<MessageView> messages;  // oldest first; internal notes only for staff
  // The thread shows at most kThreadMessages messages: the newest, or those just before a
  // message (get_ticket's `earlier_than`). How many come before the first shown (counted up to
  // kEarlierMessagesCounted; `earlier_messages_capped` when there are more), and whether newer
  // ones follow the last shown.
  std::int64_t earlier_messages = 0;
  bool earlier_messages_capped = false;
  bool later_messages = false;
  std::vector<StatusPeriod> timeline;
  std::int64_t seconds_pending_on_support = 0;
  std::int64_t seconds_pending_on_customer = 0;
  domain::TicketAccess access;  // for permission checks by the page
};

// A page shows this many messages of a thread at most (a ticket with 13,000 replies rendered a
// 10 MB page and held 55 MB while doing it); the earlier ones are a link away.
inline constexpr int kThreadMessages = 100;
// The earlier messages of a thread are counted up to this many: counting a runaway thread's
// (a mail loop's thousands of messages) cost each view of its newest page ~0.1 ms per 1,000.
inline constexpr int kEarlierMessagesCounted = 1000;

// One ticket as the actor may see it. The thread: its newest kThreadMessages messages, or with
// `earlier_than` (a message id of the thread) the kThreadMessages before that message.
[[nodiscard]] Result<TicketDetail> get_ticket(
    Env& env, const domain::Actor& actor, std::int64_t ticket_id,
    std::optional<std::int64_t> earlier_than = std::nullopt);

// ---- Changes -----------------------------------------------------------------------------

struct NewTicket {
  std::string type;  // domain::TicketType slug
  std::string subject;
  std::string description;       // Markdown
  std::vector<std::string> ccs;  // colleagues by e-mail or exact name
  std::vector<Upload> attachments;
};

// Creates the ticket in Support Team (Notified), e-mails the requester and CCs a confirmation.
[[nodiscard]] Result<std::int64_t> submit_ticket(Env& env, const SessionUser& user,
                                                 const NewTicket& input);

struct ReplyOutcome {
  std::int64_t ticket_id = 0;  // where the reply landed (a follow-up ticket's ID)
  bool started_follow_up = false;
  std::optional<domain::Status> new_status;  // set when the reply moved the ticket
};

// A public reply (or, for staff, an internal note). A customer's reply moves the ticket as the
// workflow says (status_after_customer_reply); staff and assignee/team are told by e-mail.
[[nodiscard]] Result<ReplyOutcome> reply(Env& env, const SessionUser& user, std::int64_t ticket_id,
                                         const std::string& body, std::vector<Upload> attachments,
                                         bool internal = false);

[[nodiscard]] Result<void> add_cc(Env& env, const SessionUser& user, std::int64_t ticket_id,
                                  const std::string& who);
[[nodiscard]] Result<void> remove_cc(Env& env, const SessionUser& user, std::int64_t ticket_id,
                                     std::int64_t cc_user_id);
[[nodiscard]] Result<void> close_by_requester(Env& env, const SessionUser& user,
                                              std::int64_t ticket_id);
[[nodiscard]] Result<void> confirm_fix(Env& env, const SessionUser& user, std::int64_t ticket_id);

struct AttachmentContent {
  std::string filename;
  std::string content_type;
  std::string bytes;
};

// kNotFound unless the actor can see the ticket (and, for customers, the message is public).
[[nodiscard]] Result<AttachmentContent> get_attachment(Env& env, const domain::Actor& actor,
                                                       std::int64_t ticket_id,
                                                       std::int64_t attachment_id);

// Colleagues a customer may CC (same organization, active), for the picker.
[[nodiscard]] Result<std::vector<Person>> list_colleagues(Env& env, const SessionUser& user);

}  // namespace portico::app

namespace portico::app {

// A file kept from a form that failed validation, offered again when the form is re-shown.
struct StashedUpload {
  std::int64_t id = 0;
  std::string filename;
  std::int64_t size = 0;
};

// Keeps uploads for a day (per user) and returns their handles.
[[nodiscard]] Result<std::vector<StashedUpload>> stash_uploads(Env& env, const SessionUser& user,
                                                               const std::vector<Upload>& uploads);
// Takes back the user's stashed uploads by id (unknown or others' ids are ignored) and
// deletes them from the stash.
[[nodiscard]] Result<std::vector<Upload>> take_stashed_uploads(
    Env& env, const SessionUser& user, const std::vector<std::int64_t>& ids);
// Lists the named stashed uploads without taking them.
[[nodiscard]] Result<std::vector<StashedUpload>> peek_stashed_uploads(
    Env& env, const SessionUser& user, const std::vector<std::int64_t>& ids);

}  // namespace portico::app
