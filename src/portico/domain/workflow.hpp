#pragma once
// The workflow: which status changes agents may make, what each change must record, and the
// changes customers cause by themselves (replies, "Confirm fix", closing, silence).
//
// Everything here is pure: callers load the ticket, ask these functions, then write the change
// and its event in one transaction. See DESIGN §2.

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "portico/core/result.hpp"
#include "portico/domain/role.hpp"
#include "portico/domain/status.hpp"

namespace portico::domain {

// One move an agent may make.
struct Transition {
  Status from;
  Status to;
};

// The agent transition table of DESIGN §2, grouped by from-status in code order. Two rules sit
// beside it and are applied by allowed_next(): every open status may also go to Closed (with a
// resolution), and the moves out of Closed are reopens (with a reason).
inline constexpr std::array<Transition, 30> kAgentTransitions{{
    {Status::kSupportTeamNotified, Status::kWaitingOnCustomerInitialInformation},
    {Status::kSupportTeamNotified, Status::kSupportTeamTriaging},
    {Status::kSupportTeamNotified, Status::kSupportTeamInvestigating},
    // The customer answered another way (phone, a separate e-mail).
    {Status::kWaitingOnCustomerInitialInformation, Status::kSupportTeamTriaging},
    {Status::kSupportTeamTriaging, Status::kProductTeam},
    {Status::kSupportTeamTriaging, Status::kSupportTeamInvestigating},
    {Status::kSupportTeamTriaging, Status::kWaitingOnCustomerInitialInformation},
    {Status::kProductTeam, Status::kSupportTeamInvestigating},
    // The Product Team clarified the behaviour; support explains it to the customer.
    {Status::kProductTeam, Status::kSupportTeamFixValidation},
    {Status::kSupportTeamInvestigating, Status::kTechnicalTeam},
    {Status::kSupportTeamInvestigating, Status::kSupportTeamFixValidation},
    {Status::kSupportTeamInvestigating, Status::kWaitingOnCustomerInitialInformation},
    {Status::kTechnicalTeam, Status::kSupportTeamInformationRequest},
    {Status::kTechnicalTeam, Status::kTechnicalTeamInvestigating},
    {Status::kTechnicalTeam, Status::kDevelopmentTeam},
    {Status::kTechnicalTeam, Status::kSupportTeamFixValidation},
    {Status::kSupportTeamInformationRequest, Status::kWaitingOnCustomerAdditionalInformation},
    // The customer answered another way.
    {Status::kWaitingOnCustomerAdditionalInformation, Status::kSupportTeamLiaising},
    {Status::kSupportTeamLiaising, Status::kTechnicalTeamInvestigating},
    {Status::kSupportTeamLiaising, Status::kTechnicalTeam},
    {Status::kTechnicalTeamInvestigating, Status::kSupportTeamInformationRequest},
    {Status::kTechnicalTeamInvestigating, Status::kDevelopmentTeam},
    {Status::kTechnicalTeamInvestigating, Status::kSupportTeamFixValidation},
    {Status::kDevelopmentTeam, Status::kDeploymentTeam},
    {Status::kDevelopmentTeam, Status::kSupportTeamFixValidation},
    {Status::kDeploymentTeam, Status::kSupportTeamFixValidation},
    {Status::kSupportTeamFixValidation, Status::kWaitingOnCustomerFixValidation},
    // The customer had questions and asked them another way.
    {Status::kWaitingOnCustomerFixValidation, Status::kSupportTeamFixValidation},
    // Reopen (a reason is required).
    {Status::kClosed, Status::kSupportTeamTriaging},
    {Status::kClosed, Status::kSupportTeamInvestigating},
}};

// What Support Team (Fix Validation) gave the customer. Codes are persisted.
enum class FixGiven : std::uint8_t {
  kPermanentFix = 1,            // the bug is fixed in a release
  kInterimFixOrWorkaround = 2,  // a temporary fix or a way around the problem
  kBehaviourClarification = 3,  // the functionality works as intended; we explained how
};
// "Permanent fix", "Interim fix / workaround", "Behaviour clarification".
std::string_view fix_given_label(FixGiven fix);
// "permanent-fix", "interim-fix", "behaviour-clarification".
std::string_view fix_given_slug(FixGiven fix);
std::optional<FixGiven> fix_given_from_slug(std::string_view slug);
std::optional<FixGiven> fix_given_from_code(int code);

// Why a ticket was closed. Codes are persisted.
enum class Resolution : std::uint8_t {
  kResolvedConfirmedByCustomer = 1,  // the customer pressed "Confirm fix" (or confirmed by mail)
  kResolved = 2,                     // an agent judged it resolved
  kNoResponse = 3,                   // auto-closed: the customer did not answer in time
  kDuplicate = 4,                    // another ticket covers the same issue
  kWontFix = 5,                      // we decided not to act on it
  kClosedByCustomer = 6,             // the requester closed it themselves
};
// "Resolved (confirmed by customer)", "Resolved", "No response from customer", "Duplicate",
// "Won't fix", "Closed by customer".
std::string_view resolution_label(Resolution resolution);
// "resolved-confirmed", "resolved", "no-response", "duplicate", "wont-fix", "closed-by-customer".
std::string_view resolution_slug(Resolution resolution);
std::optional<Resolution> resolution_from_slug(std::string_view slug);
std::optional<Resolution> resolution_from_code(int code);

// The statuses an agent may move a ticket to from `from`: its rows of kAgentTransitions in table
// order, then Closed if `from` is open. Empty only for an invalid `from`.
std::vector<Status> allowed_next(Status from);
// True when the move is one of allowed_next(from).
bool is_agent_transition(Status from, Status to);
// True for a move out of Closed into an open status.
constexpr bool is_reopen(Status from, Status to) {
  return from == Status::kClosed && to != Status::kClosed;
}

// What the person changing a status supplies with the change. Text fields count as missing when
// absent, empty or only whitespace.
struct TransitionInput {
  std::optional<std::string> message;              // public message, e-mailed to requester and CCs
  std::optional<std::string> fix_version;          // release that carries the fix
  std::optional<std::string> deployment_schedule;  // as agreed with the key contacts
  std::optional<FixGiven> fix_given;
  std::optional<Resolution> resolution;
  std::optional<std::string> reason;  // why: required for forced moves and for reopening
  bool forced = false;                // an admin overriding the transition table
};

// Decides whether `role` may move a ticket from `from` to `to` with `input`. Checks, in order:
//  - customers never change status this way (kPermissionDenied); they use the customer functions
//    below;
//  - only admins may force (kPermissionDenied for an agent with `forced`);
//  - to == from is refused (kFailedPrecondition);
//  - without `forced`, the move must be in allowed_next(from) (kFailedPrecondition, the message
//    names the allowed statuses); with `forced` (admins only) any move is allowed but `reason`
//    is required (kInvalidArgument, field "reason");
//  - what the target status must record (kInvalidArgument, field named), also for forced moves:
//    any Waiting on Customer status: `message` (field "message"); Development Team:
//    `fix_version`; Deployment Team: `deployment_schedule`; Support Team (Fix Validation):
//    `fix_given`; Closed: `resolution`; a reopen out of Closed: `reason`.
// Precondition: `from` and `to` are valid enumerators.
[[nodiscard]] Result<void> check_transition(Role role, Status from, Status to,
                                            const TransitionInput& input);

// What a customer's public reply does to the ticket's status.
enum class CustomerReplyAction : std::uint8_t {
  kKeepStatus,     // a support-side status: the status stays, the assignee/team is notified
  kMoveTo,         // the ticket moves to `status`
  kStartFollowUp,  // the ticket stays Closed; the reply starts a new ticket linked to it
};
struct CustomerReplyOutcome {
  CustomerReplyAction action;
  Status status;  // kMoveTo: the new status; otherwise the current one

  friend bool operator==(const CustomerReplyOutcome&, const CustomerReplyOutcome&) = default;
};

// The status change caused by a customer's reply on a ticket in `current`:
//   Waiting on Customer (Initial Information)    → Support Team (Triaging)
//   Waiting on Customer (Additional Information) → Support Team (Liaising)
//   Waiting on Customer (Fix Validation)         → Support Team (Fix Validation) (questions)
//   Closed, `within_reopen_window`               → Support Team (Notified) (reopened)
//   Closed, outside the window                   → a follow-up ticket
//   any support-side status                      → unchanged
// The follow-up ticket starts in kInitialStatus.
CustomerReplyOutcome status_after_customer_reply(Status current, bool within_reopen_window);

// A ticket closing, with why.
struct Closure {
  Status status = Status::kClosed;
  Resolution resolution;

  friend bool operator==(const Closure&, const Closure&) = default;
};

// "Confirm fix": only from Waiting on Customer (Fix Validation), closing the ticket as resolved,
// confirmed by the customer. kFailedPrecondition from any other status.
[[nodiscard]] Result<Closure> confirm_fix(Status current);
// The requester closing their own ticket: from any open status, resolution kClosedByCustomer.
// kFailedPrecondition when it is already closed.
[[nodiscard]] Result<Closure> close_as_requester(Status current);

// What the periodic job should do about a ticket's silence.
enum class AutoCloseAction : std::uint8_t {
  kNothing,
  kSendReminder,  // e-mail the customer a reminder, then record reminder_sent_at
  kClose,         // close with kAutoCloseResolution
};

inline constexpr std::chrono::seconds kDefaultReminderAfter = std::chrono::days{3};
inline constexpr std::chrono::seconds kDefaultCloseAfter = std::chrono::days{7};
inline constexpr Resolution kAutoCloseResolution = Resolution::kNoResponse;

// Decides the reminder and auto-close for a ticket in `status`.
//  - `customer_activity_at` starts the clock: the later of the customer's last activity and the
//    moment the ticket entered its current Waiting on Customer status (the caller takes the max).
//  - `reminder_sent_at` is the last reminder; one sent before `customer_activity_at` belongs to an
//    earlier wait and is ignored.
// Rules: only Waiting on Customer statuses are considered. With t = now - customer_activity_at:
//  - no reminder yet for this wait: kSendReminder once t >= reminder_after;
//  - reminder sent: kClose once t >= close_after and at least close_after - reminder_after has
//    passed since the reminder (so a late reminder still gives the customer the full grace);
//  - reminder_after <= 0 or reminder_after >= close_after disables reminders: kClose once
//    t >= close_after;
//  - close_after <= 0 disables auto-close altogether (reminders too).
AutoCloseAction decide_auto_close(
    Status status, std::chrono::system_clock::time_point customer_activity_at,
    std::optional<std::chrono::system_clock::time_point> reminder_sent_at,
    std::chrono::system_clock::time_point now, std::chrono::seconds reminder_after,
    std::chrono::seconds close_after);

}  // namespace portico::domain
