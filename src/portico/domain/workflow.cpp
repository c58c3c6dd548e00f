#include "portico/domain/workflow.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace portico::domain {
namespace {

constexpr bool transitions_are_sane() {
  for (std::size_t i = 0; i < kAgentTransitions.size(); ++i) {
    const Transition& edge = kAgentTransitions[i];
    if (edge.from == edge.to) return false;
    // Closing is a rule of its own, not a row.
    if (edge.to == Status::kClosed) return false;
    // Grouped by from-status, in code order.
    if (i > 0 && to_code(kAgentTransitions[i - 1].from) > to_code(edge.from)) return false;
    for (std::size_t j = i + 1; j < kAgentTransitions.size(); ++j) {
      if (kAgentTransitions[j].from == edge.from && kAgentTransitions[j].to == edge.to) {
        return false;
      }
    }
  }
  return true;
}
static_assert(transitions_are_sane(), "kAgentTransitions: no self-loops, no Closed rows, no dups");

struct FixGivenFacts {
  FixGiven fix;
  std::string_view slug;
  std::string_view label;
};
constexpr std::array<FixGivenFacts, 3> kFixGivenTable{{
    {FixGiven::kPermanentFix, "permanent-fix", "Permanent fix"},
    {FixGiven::kInterimFixOrWorkaround, "interim-fix", "Interim fix / workaround"},
    {FixGiven::kBehaviourClarification, "behaviour-clarification", "Behaviour clarification"},
}};

struct ResolutionFacts {
  Resolution resolution;
  std::string_view slug;
  std::string_view label;
};
constexpr std::array<ResolutionFacts, 6> kResolutionTable{{
    {Resolution::kResolvedConfirmedByCustomer, "resolved-confirmed",
     "Resolved (confirmed by customer)"},
    {Resolution::kResolved, "resolved", "Resolved"},
    {Resolution::kNoResponse, "no-response", "No response from customer"},
    {Resolution::kDuplicate, "duplicate", "Duplicate"},
    {Resolution::kWontFix, "wont-fix", "Won't fix"},
    {Resolution::kClosedByCustomer, "closed-by-customer", "Closed by customer"},
}};

// Both tables are indexed by code - 1.
template <typename Row, std::size_t N, typename Key>
constexpr bool in_code_order(const std::array<Row, N>& table, Key Row::*key) {
  for (std::size_t i = 0; i < N; ++i) {
    if (static_cast<int>(table[i].*key) != static_cast<int>(i) + 1) return false;
  }
  return true;
}
static_assert(in_code_order(kFixGivenTable, &FixGivenFacts::fix));
static_assert(in_code_order(kResolutionTable, &ResolutionFacts::resolution));

template <typename Row, std::size_t N>
const Row& row_for_code(const std::array<Row, N>& table, int code, const char* what) {
  if (code < 1 || code > static_cast<int>(N)) {
    throw std::out_of_range(fmt::format("portico::domain: invalid {} value {}", what, code));
  }
  return table[static_cast<std::size_t>(code - 1)];
}

bool is_blank(const std::optional<std::string>& text) {
  return !text || std::all_of(text->begin(), text->end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  });
}

std::string join_names(const std::vector<Status>& statuses) {
  std::string out;
  for (const Status status : statuses) {
    if (!out.empty()) out += ", ";
    out += status_name(status);
  }
  return out;
}

// What entering (or leaving, for a reopen) a status must record.
Result<void> check_required_fields(Status from, Status to, const TransitionInput& input) {
  if (is_waiting_on_customer(to) && is_blank(input.message)) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("Moving to {} needs a public message telling the customer what we "
                            "need from them.",
                            status_name(to)),
                "message");
  }
  if (to == Status::kDevelopmentTeam && is_blank(input.fix_version)) {
    return fail(ErrorCode::kInvalidArgument,
                "Moving to Development Team needs the fix version (the release that will carry "
                "the fix).",
                "fix_version");
  }
  if (to == Status::kDeploymentTeam && is_blank(input.deployment_schedule)) {
    return fail(ErrorCode::kInvalidArgument,
                "Moving to Deployment Team needs the deployment schedule agreed with the "
                "customer's key contacts.",
                "deployment_schedule");
  }
  if (to == Status::kSupportTeamFixValidation && !input.fix_given) {
    return fail(ErrorCode::kInvalidArgument,
                "Moving to Support Team (Fix Validation) needs what was given: a permanent fix, "
                "an interim fix or workaround, or a behaviour clarification.",
                "fix_given");
  }
  if (to == Status::kClosed && !input.resolution) {
    return fail(ErrorCode::kInvalidArgument, "Closing a ticket needs a resolution.", "resolution");
  }
  if (is_reopen(from, to) && is_blank(input.reason)) {
    return fail(ErrorCode::kInvalidArgument, "Reopening a ticket needs a reason.", "reason");
  }
  return {};
}

}  // namespace

std::string_view fix_given_label(FixGiven fix) {
  return row_for_code(kFixGivenTable, static_cast<int>(fix), "FixGiven").label;
}
std::string_view fix_given_slug(FixGiven fix) {
  return row_for_code(kFixGivenTable, static_cast<int>(fix), "FixGiven").slug;
}
std::optional<FixGiven> fix_given_from_slug(std::string_view slug) {
  for (const FixGivenFacts& row : kFixGivenTable) {
    if (row.slug == slug) return row.fix;
  }
  return std::nullopt;
}
std::optional<FixGiven> fix_given_from_code(int code) {
  if (code < 1 || code > static_cast<int>(kFixGivenTable.size())) return std::nullopt;
  return kFixGivenTable[static_cast<std::size_t>(code - 1)].fix;
}

std::string_view resolution_label(Resolution resolution) {
  return row_for_code(kResolutionTable, static_cast<int>(resolution), "Resolution").label;
}
std::string_view resolution_slug(Resolution resolution) {
  return row_for_code(kResolutionTable, static_cast<int>(resolution), "Resolution").slug;
}
std::optional<Resolution> resolution_from_slug(std::string_view slug) {
  for (const ResolutionFacts& row : kResolutionTable) {
    if (row.slug == slug) return row.resolution;
  }
  return std::nullopt;
}
std::optional<Resolution> resolution_from_code(int code) {
  if (code < 1 || code > static_cast<int>(kResolutionTable.size())) return std::nullopt;
  return kResolutionTable[static_cast<std::size_t>(code - 1)].resolution;
}

std::vector<Status> allowed_next(Status from) {
  std::vector<Status> next;
  if (!status_from_code(to_code(from))) return next;
  for (const Transition& edge : kAgentTransitions) {
    if (edge.from == from) next.push_back(edge.to);
  }
  if (is_open(from)) next.push_back(Status::kClosed);
  return next;
}

bool is_agent_transition(Status from, Status to) {
  const std::vector<Status> next = allowed_next(from);
  return std::find(next.begin(), next.end(), to) != next.end();
}

Result<void> check_transition(Role role, Status from, Status to, const TransitionInput& input) {
  if (!is_staff(role)) {
    return fail(ErrorCode::kPermissionDenied, "Only agents can change a ticket's status.");
  }
  if (input.forced && role != Role::kAdmin) {
    return fail(ErrorCode::kPermissionDenied, "Only an admin can force a status change.");
  }
  // Validates both values (facts throws on an invalid enumerator).
  const std::string_view from_name = status_name(from);
  const std::string_view to_name = status_name(to);
  if (from == to) {
    return fail(ErrorCode::kFailedPrecondition,
                fmt::format("The ticket is already in {}.", from_name));
  }
  if (input.forced) {
    if (is_blank(input.reason)) {
      return fail(ErrorCode::kInvalidArgument, "A forced status change needs a reason.", "reason");
    }
  } else if (!is_agent_transition(from, to)) {
    return fail(ErrorCode::kFailedPrecondition,
                fmt::format("A ticket in {} cannot move to {}. It can move to: {}.", from_name,
                            to_name, join_names(allowed_next(from))));
  }
  return check_required_fields(from, to, input);
}

CustomerReplyOutcome status_after_customer_reply(Status current, bool within_reopen_window) {
  switch (current) {
    case Status::kWaitingOnCustomerInitialInformation:
      return {CustomerReplyAction::kMoveTo, Status::kSupportTeamTriaging};
    case Status::kWaitingOnCustomerAdditionalInformation:
      return {CustomerReplyAction::kMoveTo, Status::kSupportTeamLiaising};
    case Status::kWaitingOnCustomerFixValidation:
      return {CustomerReplyAction::kMoveTo, Status::kSupportTeamFixValidation};
    case Status::kClosed:
      if (within_reopen_window) return {CustomerReplyAction::kMoveTo, kInitialStatus};
      return {CustomerReplyAction::kStartFollowUp, Status::kClosed};
    default:
      // Every Waiting on Customer status has a case above; this guards the table against a new
      // waiting status being added without deciding where a reply takes it.
      if (is_waiting_on_customer(current)) {
        throw std::logic_error("status_after_customer_reply: unhandled waiting status");
      }
      return {CustomerReplyAction::kKeepStatus, current};
  }
}

Result<Closure> confirm_fix(Status current) {
  if (current != Status::kWaitingOnCustomerFixValidation) {
    return fail(
        ErrorCode::kFailedPrecondition,
        fmt::format("There is no fix to confirm while the ticket is in {}.", status_name(current)));
  }
  return Closure{Status::kClosed, Resolution::kResolvedConfirmedByCustomer};
}

Result<Closure> close_as_requester(Status current) {
  if (!is_open(current)) {
    return fail(ErrorCode::kFailedPrecondition, "The ticket is already closed.");
  }
  return Closure{Status::kClosed, Resolution::kClosedByCustomer};
}

AutoCloseAction decide_auto_close(
    Status status, std::chrono::system_clock::time_point customer_activity_at,
    std::optional<std::chrono::system_clock::time_point> reminder_sent_at,
    std::chrono::system_clock::time_point now, std::chrono::seconds reminder_after,
    std::chrono::seconds close_after) {
  using std::chrono::seconds;
  if (!is_waiting_on_customer(status)) return AutoCloseAction::kNothing;
  if (close_after <= seconds::zero()) return AutoCloseAction::kNothing;

  const auto waited = now - customer_activity_at;
  const bool reminders_on = reminder_after > seconds::zero() && reminder_after < close_after;
  if (!reminders_on) {
    return waited >= close_after ? AutoCloseAction::kClose : AutoCloseAction::kNothing;
  }

  const bool reminded = reminder_sent_at && *reminder_sent_at >= customer_activity_at;
  if (!reminded) {
    return waited >= reminder_after ? AutoCloseAction::kSendReminder : AutoCloseAction::kNothing;
  }
  const auto grace = close_after - reminder_after;
  if (waited >= close_after && now - *reminder_sent_at >= grace) return AutoCloseAction::kClose;
  return AutoCloseAction::kNothing;
}

}  // namespace portico::domain
