#include "portico/domain/workflow.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace portico::domain {
namespace {

using S = Status;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::seconds;
using TimePoint = std::chrono::system_clock::time_point;

// DESIGN §2's agent table written out independently (open statuses may also close; that rule is
// added below, not listed here).
const std::map<S, std::set<S>> kDesignTable = {
    {S::kSupportTeamNotified,
     {S::kWaitingOnCustomerInitialInformation, S::kSupportTeamTriaging,
      S::kSupportTeamInvestigating}},
    {S::kWaitingOnCustomerInitialInformation, {S::kSupportTeamTriaging}},
    {S::kSupportTeamTriaging,
     {S::kProductTeam, S::kSupportTeamInvestigating, S::kWaitingOnCustomerInitialInformation}},
    {S::kProductTeam, {S::kSupportTeamInvestigating, S::kSupportTeamFixValidation}},
    {S::kSupportTeamInvestigating,
     {S::kTechnicalTeam, S::kSupportTeamFixValidation, S::kWaitingOnCustomerInitialInformation}},
    {S::kTechnicalTeam,
     {S::kSupportTeamInformationRequest, S::kTechnicalTeamInvestigating, S::kDevelopmentTeam,
      S::kSupportTeamFixValidation}},
    {S::kSupportTeamInformationRequest, {S::kWaitingOnCustomerAdditionalInformation}},
    {S::kWaitingOnCustomerAdditionalInformation, {S::kSupportTeamLiaising}},
    {S::kSupportTeamLiaising, {S::kTechnicalTeamInvestigating, S::kTechnicalTeam}},
    {S::kTechnicalTeamInvestigating,
     {S::kSupportTeamInformationRequest, S::kDevelopmentTeam, S::kSupportTeamFixValidation}},
    {S::kDevelopmentTeam, {S::kDeploymentTeam, S::kSupportTeamFixValidation}},
    {S::kDeploymentTeam, {S::kSupportTeamFixValidation}},
    {S::kSupportTeamFixValidation, {S::kWaitingOnCustomerFixValidation}},
    {S::kWaitingOnCustomerFixValidation, {S::kSupportTeamFixValidation}},
    {S::kClosed, {S::kSupportTeamTriaging, S::kSupportTeamInvestigating}},
};

std::set<S> expected_next(S from) {
  std::set<S> next = kDesignTable.at(from);
  if (from != S::kClosed) next.insert(S::kClosed);
  return next;
}

// Everything any target could require.
TransitionInput complete_input() {
  TransitionInput input;
  input.message = "Could you send us the log file?";
  input.fix_version = "4.2.1";
  input.deployment_schedule = "Saturday 02:00 UTC, agreed with J. Smith";
  input.fix_given = FixGiven::kPermanentFix;
  input.resolution = Resolution::kResolved;
  input.reason = "Customer called us";
  return input;
}

ErrorCode code_of(const Result<void>& result) { return result.error().code; }

TEST(WorkflowTable, AllowedNextIsExactlyTheDesignTablePlusClosing) {
  ASSERT_EQ(kDesignTable.size(), 15U);
  for (const S from : all_statuses()) {
    SCOPED_TRACE(std::string(status_name(from)));
    const std::vector<S> next = allowed_next(from);
    EXPECT_EQ(std::set<S>(next.begin(), next.end()), expected_next(from));
    EXPECT_EQ(std::set<S>(next.begin(), next.end()).size(), next.size()) << "duplicates";
    if (is_open(from)) {
      EXPECT_EQ(next.back(), S::kClosed);
    }
  }
}

TEST(WorkflowTable, EveryStatusCanBeLeftAndEveryOpenStatusReached) {
  std::set<S> reached{kInitialStatus};
  for (const Transition& edge : kAgentTransitions) reached.insert(edge.to);
  for (const S status : all_statuses()) {
    EXPECT_FALSE(allowed_next(status).empty()) << status_name(status);
    if (status != S::kClosed) {
      EXPECT_TRUE(reached.contains(status)) << status_name(status);
    }
  }
}

TEST(WorkflowAgent, EveryTableMoveIsAllowedAndEveryOtherRefused) {
  const TransitionInput input = complete_input();
  for (const S from : all_statuses()) {
    const std::set<S> allowed = expected_next(from);
    for (const S to : all_statuses()) {
      SCOPED_TRACE(std::string(status_name(from)) + " -> " + std::string(status_name(to)));
      const Result<void> result = check_transition(Role::kAgent, from, to, input);
      if (allowed.contains(to)) {
        EXPECT_TRUE(result.has_value()) << result.error().message;
      } else {
        ASSERT_FALSE(result.has_value());
        EXPECT_EQ(code_of(result), ErrorCode::kFailedPrecondition);
      }
    }
  }
}

TEST(WorkflowAgent, RefusalNamesTheAllowedStatuses) {
  const Result<void> result = check_transition(Role::kAgent, S::kSupportTeamNotified,
                                               S::kDevelopmentTeam, complete_input());
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(code_of(result), ErrorCode::kFailedPrecondition);
  const std::string& message = result.error().message;
  for (const S next : allowed_next(S::kSupportTeamNotified)) {
    EXPECT_NE(message.find(status_name(next)), std::string::npos) << status_name(next);
  }
  EXPECT_NE(message.find("Development Team"), std::string::npos);
}

TEST(WorkflowAgent, SameStatusIsRefused) {
  for (const S status : all_statuses()) {
    for (const Role role : {Role::kAgent, Role::kAdmin}) {
      TransitionInput input = complete_input();
      input.forced = role == Role::kAdmin;
      const Result<void> result = check_transition(role, status, status, input);
      ASSERT_FALSE(result.has_value());
      EXPECT_EQ(code_of(result), ErrorCode::kFailedPrecondition);
    }
  }
}

TEST(WorkflowAgent, AgentsCannotForce) {
  TransitionInput input = complete_input();
  input.forced = true;
  // Even a move in the table: forcing is an admin tool.
  const Result<void> in_table =
      check_transition(Role::kAgent, S::kSupportTeamNotified, S::kSupportTeamTriaging, input);
  ASSERT_FALSE(in_table.has_value());
  EXPECT_EQ(code_of(in_table), ErrorCode::kPermissionDenied);
  const Result<void> off_table =
      check_transition(Role::kAgent, S::kSupportTeamNotified, S::kDevelopmentTeam, input);
  ASSERT_FALSE(off_table.has_value());
  EXPECT_EQ(code_of(off_table), ErrorCode::kPermissionDenied);
}

TEST(WorkflowCustomer, CustomersCanNeverChangeStatusThisWay) {
  for (const bool forced : {false, true}) {
    TransitionInput input = complete_input();
    input.forced = forced;
    for (const S from : all_statuses()) {
      for (const S to : all_statuses()) {
        const Result<void> result = check_transition(Role::kCustomer, from, to, input);
        ASSERT_FALSE(result.has_value());
        EXPECT_EQ(code_of(result), ErrorCode::kPermissionDenied);
      }
    }
  }
}

TEST(WorkflowAdmin, WithoutForcingAdminsFollowTheTable) {
  const TransitionInput input = complete_input();
  for (const S from : all_statuses()) {
    for (const S to : all_statuses()) {
      EXPECT_EQ(check_transition(Role::kAdmin, from, to, input).has_value(),
                check_transition(Role::kAgent, from, to, input).has_value());
    }
  }
}

TEST(WorkflowAdmin, ForcedMovesNeedOnlyAReasonBesidesTheTargetFields) {
  TransitionInput input = complete_input();
  input.forced = true;
  for (const S from : all_statuses()) {
    for (const S to : all_statuses()) {
      if (from == to) continue;
      SCOPED_TRACE(std::string(status_name(from)) + " -> " + std::string(status_name(to)));
      const Result<void> result = check_transition(Role::kAdmin, from, to, input);
      EXPECT_TRUE(result.has_value()) << result.error().message;
    }
  }
}

TEST(WorkflowAdmin, ForcedMoveWithoutReasonIsRefused) {
  for (const std::optional<std::string>& reason :
       {std::optional<std::string>{}, std::optional<std::string>{""},
        std::optional<std::string>{" \t\n"}}) {
    TransitionInput input = complete_input();
    input.forced = true;
    input.reason = reason;
    const Result<void> result =
        check_transition(Role::kAdmin, S::kSupportTeamNotified, S::kDevelopmentTeam, input);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(code_of(result), ErrorCode::kInvalidArgument);
    EXPECT_EQ(result.error().field, "reason");
  }
}

TEST(WorkflowAdmin, ForcedMovesStillRecordWhatTheTargetNeeds) {
  TransitionInput input = complete_input();
  input.forced = true;
  input.fix_version.reset();
  const Result<void> result =
      check_transition(Role::kAdmin, S::kSupportTeamNotified, S::kDevelopmentTeam, input);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().field, "fix_version");
}

// Every table move into `target`, with `strip` applied to a complete input, must fail on `field`;
// with the complete input it succeeds (checked above).
void expect_required(S target, const std::string& field, void (*strip)(TransitionInput&)) {
  int moves = 0;
  for (const S from : all_statuses()) {
    if (!expected_next(from).contains(target)) continue;
    ++moves;
    SCOPED_TRACE(std::string(status_name(from)) + " -> " + std::string(status_name(target)));
    TransitionInput input = complete_input();
    strip(input);
    const Result<void> result = check_transition(Role::kAgent, from, target, input);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(code_of(result), ErrorCode::kInvalidArgument);
    EXPECT_EQ(result.error().field, field);
    EXPECT_FALSE(result.error().message.empty());
  }
  EXPECT_GT(moves, 0) << "no table move into " << status_name(target);
}

TEST(WorkflowRequired, WaitingOnCustomerNeedsAPublicMessage) {
  for (const S target : statuses_pending_on(PendingOn::kCustomer)) {
    expect_required(target, "message", [](TransitionInput& in) { in.message.reset(); });
    expect_required(target, "message", [](TransitionInput& in) { in.message = ""; });
    expect_required(target, "message", [](TransitionInput& in) { in.message = "  \n "; });
  }
}

TEST(WorkflowRequired, OtherStatusesDoNotNeedAMessage) {
  TransitionInput input = complete_input();
  input.message.reset();
  EXPECT_TRUE(
      check_transition(Role::kAgent, S::kSupportTeamNotified, S::kSupportTeamTriaging, input)
          .has_value());
}

TEST(WorkflowRequired, DevelopmentTeamNeedsAFixVersion) {
  expect_required(S::kDevelopmentTeam, "fix_version",
                  [](TransitionInput& in) { in.fix_version.reset(); });
  expect_required(S::kDevelopmentTeam, "fix_version",
                  [](TransitionInput& in) { in.fix_version = " "; });
}

TEST(WorkflowRequired, DeploymentTeamNeedsASchedule) {
  expect_required(S::kDeploymentTeam, "deployment_schedule",
                  [](TransitionInput& in) { in.deployment_schedule.reset(); });
  expect_required(S::kDeploymentTeam, "deployment_schedule",
                  [](TransitionInput& in) { in.deployment_schedule = ""; });
}

TEST(WorkflowRequired, FixValidationNeedsWhatWasGiven) {
  expect_required(S::kSupportTeamFixValidation, "fix_given",
                  [](TransitionInput& in) { in.fix_given.reset(); });
  for (const FixGiven fix : {FixGiven::kPermanentFix, FixGiven::kInterimFixOrWorkaround,
                             FixGiven::kBehaviourClarification}) {
    TransitionInput input = complete_input();
    input.fix_given = fix;
    EXPECT_TRUE(check_transition(Role::kAgent, S::kProductTeam, S::kSupportTeamFixValidation, input)
                    .has_value());
  }
}

TEST(WorkflowRequired, ClosingNeedsAResolution) {
  expect_required(S::kClosed, "resolution", [](TransitionInput& in) { in.resolution.reset(); });
}

TEST(WorkflowRequired, ReopeningNeedsAReason) {
  for (const S target : {S::kSupportTeamTriaging, S::kSupportTeamInvestigating}) {
    for (const std::optional<std::string>& reason :
         {std::optional<std::string>{}, std::optional<std::string>{"   "}}) {
      TransitionInput input = complete_input();
      input.reason = reason;
      const Result<void> result = check_transition(Role::kAgent, S::kClosed, target, input);
      ASSERT_FALSE(result.has_value());
      EXPECT_EQ(code_of(result), ErrorCode::kInvalidArgument);
      EXPECT_EQ(result.error().field, "reason");
    }
  }
  // Only moves out of Closed need one.
  TransitionInput input = complete_input();
  input.reason.reset();
  EXPECT_TRUE(
      check_transition(Role::kAgent, S::kSupportTeamTriaging, S::kSupportTeamInvestigating, input)
          .has_value());
  EXPECT_TRUE(is_reopen(S::kClosed, S::kSupportTeamTriaging));
  EXPECT_FALSE(is_reopen(S::kSupportTeamTriaging, S::kClosed));
}

TEST(WorkflowCustomerReply, MovesOutOfWaitingStatuses) {
  using A = CustomerReplyAction;
  for (const bool window : {false, true}) {
    EXPECT_EQ(status_after_customer_reply(S::kWaitingOnCustomerInitialInformation, window),
              (CustomerReplyOutcome{A::kMoveTo, S::kSupportTeamTriaging}));
    EXPECT_EQ(status_after_customer_reply(S::kWaitingOnCustomerAdditionalInformation, window),
              (CustomerReplyOutcome{A::kMoveTo, S::kSupportTeamLiaising}));
    EXPECT_EQ(status_after_customer_reply(S::kWaitingOnCustomerFixValidation, window),
              (CustomerReplyOutcome{A::kMoveTo, S::kSupportTeamFixValidation}));
  }
}

TEST(WorkflowCustomerReply, SupportSideStatusesAreUnchanged) {
  for (const S status : statuses_pending_on(PendingOn::kSupport)) {
    for (const bool window : {false, true}) {
      EXPECT_EQ(status_after_customer_reply(status, window),
                (CustomerReplyOutcome{CustomerReplyAction::kKeepStatus, status}))
          << status_name(status);
    }
  }
}

TEST(WorkflowCustomerReply, ClosedReopensWithinTheWindowElseStartsAFollowUp) {
  EXPECT_EQ(status_after_customer_reply(S::kClosed, true),
            (CustomerReplyOutcome{CustomerReplyAction::kMoveTo, S::kSupportTeamNotified}));
  EXPECT_EQ(status_after_customer_reply(S::kClosed, false),
            (CustomerReplyOutcome{CustomerReplyAction::kStartFollowUp, S::kClosed}));
}

TEST(WorkflowCustomerActions, ConfirmFixOnlyFromWaitingOnFixValidation) {
  for (const S status : all_statuses()) {
    const Result<Closure> result = confirm_fix(status);
    if (status == S::kWaitingOnCustomerFixValidation) {
      ASSERT_TRUE(result.has_value());
      EXPECT_EQ(*result, (Closure{S::kClosed, Resolution::kResolvedConfirmedByCustomer}));
    } else {
      ASSERT_FALSE(result.has_value()) << status_name(status);
      EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
    }
  }
}

TEST(WorkflowCustomerActions, RequesterMayCloseAnyOpenTicket) {
  for (const S status : all_statuses()) {
    const Result<Closure> result = close_as_requester(status);
    if (is_open(status)) {
      ASSERT_TRUE(result.has_value()) << status_name(status);
      EXPECT_EQ(*result, (Closure{S::kClosed, Resolution::kClosedByCustomer}));
    } else {
      ASSERT_FALSE(result.has_value());
      EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
    }
  }
}

class WorkflowAutoClose : public ::testing::Test {
 protected:
  const TimePoint start_ = TimePoint{} + days{20000};
  const seconds reminder_ = days{3};
  const seconds close_ = days{7};

  AutoCloseAction decide(S status, seconds waited, std::optional<seconds> reminded_after = {}) {
    std::optional<TimePoint> reminder_sent_at;
    if (reminded_after) reminder_sent_at = start_ + *reminded_after;
    return decide_auto_close(status, start_, reminder_sent_at, start_ + waited, reminder_, close_);
  }
};

TEST_F(WorkflowAutoClose, DefaultsAreThreeAndSevenDays) {
  EXPECT_EQ(kDefaultReminderAfter, seconds{days{3}});
  EXPECT_EQ(kDefaultCloseAfter, seconds{days{7}});
  EXPECT_EQ(kAutoCloseResolution, Resolution::kNoResponse);
}

TEST_F(WorkflowAutoClose, OnlyWaitingOnCustomerStatusesAreConsidered) {
  for (const S status : all_statuses()) {
    const AutoCloseAction action = decide(status, days{30}, reminder_);
    EXPECT_EQ(action,
              is_waiting_on_customer(status) ? AutoCloseAction::kClose : AutoCloseAction::kNothing)
        << status_name(status);
  }
}

TEST_F(WorkflowAutoClose, ReminderAtExactlyReminderAfter) {
  const S waiting = S::kWaitingOnCustomerAdditionalInformation;
  EXPECT_EQ(decide(waiting, seconds{0}), AutoCloseAction::kNothing);
  EXPECT_EQ(decide(waiting, reminder_ - seconds{1}), AutoCloseAction::kNothing);
  EXPECT_EQ(decide(waiting, reminder_), AutoCloseAction::kSendReminder);
  EXPECT_EQ(decide(waiting, reminder_ + hours{1}), AutoCloseAction::kSendReminder);
}

TEST_F(WorkflowAutoClose, CloseAtExactlyCloseAfterOnceReminded) {
  const S waiting = S::kWaitingOnCustomerInitialInformation;
  EXPECT_EQ(decide(waiting, reminder_ + seconds{1}, reminder_), AutoCloseAction::kNothing);
  EXPECT_EQ(decide(waiting, close_ - seconds{1}, reminder_), AutoCloseAction::kNothing);
  EXPECT_EQ(decide(waiting, close_, reminder_), AutoCloseAction::kClose);
  EXPECT_EQ(decide(waiting, close_ + days{1}, reminder_), AutoCloseAction::kClose);
}

TEST_F(WorkflowAutoClose, NeverClosesWithoutAReminderFirst) {
  // The job was down: a week has passed and nothing was sent. Remind first.
  EXPECT_EQ(decide(S::kWaitingOnCustomerFixValidation, days{10}), AutoCloseAction::kSendReminder);
}

TEST_F(WorkflowAutoClose, ALateReminderStillGivesTheFullGrace) {
  const S waiting = S::kWaitingOnCustomerFixValidation;
  const seconds late = days{6};  // reminder went out 3 days late
  const seconds grace = close_ - reminder_;
  EXPECT_EQ(decide(waiting, close_, late), AutoCloseAction::kNothing);
  EXPECT_EQ(decide(waiting, late + grace - seconds{1}, late), AutoCloseAction::kNothing);
  EXPECT_EQ(decide(waiting, late + grace, late), AutoCloseAction::kClose);
}

TEST_F(WorkflowAutoClose, AReminderFromAnEarlierWaitIsIgnored) {
  const S waiting = S::kWaitingOnCustomerAdditionalInformation;
  EXPECT_EQ(decide(waiting, close_, -days{1}), AutoCloseAction::kSendReminder);
}

TEST_F(WorkflowAutoClose, ClockSkewDoesNothing) {
  EXPECT_EQ(decide(S::kWaitingOnCustomerInitialInformation, -days{1}), AutoCloseAction::kNothing);
}

TEST_F(WorkflowAutoClose, DisabledReminderOrAutoClose) {
  const S waiting = S::kWaitingOnCustomerInitialInformation;
  const TimePoint at_close = start_ + close_;
  // Reminders off (zero, or not before close): close at close_after without a reminder.
  EXPECT_EQ(
      decide_auto_close(waiting, start_, std::nullopt, at_close - seconds{1}, seconds{0}, close_),
      AutoCloseAction::kNothing);
  EXPECT_EQ(decide_auto_close(waiting, start_, std::nullopt, at_close, seconds{0}, close_),
            AutoCloseAction::kClose);
  EXPECT_EQ(decide_auto_close(waiting, start_, std::nullopt, at_close, close_, close_),
            AutoCloseAction::kClose);
  // Auto-close off: nothing at all.
  EXPECT_EQ(
      decide_auto_close(waiting, start_, std::nullopt, start_ + days{365}, reminder_, seconds{0}),
      AutoCloseAction::kNothing);
}

TEST(WorkflowLabels, ResolutionsAndFixesRoundTrip) {
  for (int code = 1; code <= 6; ++code) {
    const std::optional<Resolution> resolution = resolution_from_code(code);
    ASSERT_TRUE(resolution.has_value()) << code;
    EXPECT_EQ(static_cast<int>(*resolution), code);
    EXPECT_FALSE(resolution_label(*resolution).empty());
    EXPECT_EQ(resolution_from_slug(resolution_slug(*resolution)), resolution);
  }
  EXPECT_FALSE(resolution_from_code(0).has_value());
  EXPECT_FALSE(resolution_from_code(7).has_value());
  EXPECT_EQ(resolution_label(Resolution::kResolvedConfirmedByCustomer),
            "Resolved (confirmed by customer)");
  EXPECT_EQ(resolution_label(Resolution::kNoResponse), "No response from customer");

  for (int code = 1; code <= 3; ++code) {
    const std::optional<FixGiven> fix = fix_given_from_code(code);
    ASSERT_TRUE(fix.has_value()) << code;
    EXPECT_EQ(static_cast<int>(*fix), code);
    EXPECT_EQ(fix_given_from_slug(fix_given_slug(*fix)), fix);
  }
  EXPECT_FALSE(fix_given_from_code(4).has_value());
  EXPECT_EQ(fix_given_label(FixGiven::kInterimFixOrWorkaround), "Interim fix / workaround");
  EXPECT_FALSE(fix_given_from_slug("fixed").has_value());
}

}  // namespace
}  // namespace portico::domain
