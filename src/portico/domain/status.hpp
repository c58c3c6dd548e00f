#pragma once
// Ticket statuses, teams and ticket types, and the one table of facts about each status.
//
// Codes are persisted: never renumber an enumerator, only add new ones. Every view of the statuses
// (the customer's "pending on" filter, a team's queue, open vs closed) is derived from
// kStatusTable below; nothing else may list statuses by hand.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace portico::domain {

// The teams an agent can belong to. Codes are persisted.
enum class Team : std::uint8_t {
  kSupport = 1,      // talks to the customer: triage, investigation, requests, fix validation
  kProduct = 2,      // says how a functionality is expected to behave
  kTechnical = 3,    // deeper technical investigation; reviews and works on Requests
  kDevelopment = 4,  // fixes bugs and decides the release version that carries the fix
  kDeployment = 5,   // agrees the deployment schedule with the customer's key contacts
};

// Who is expected to act next on a ticket: the seed's Status filter ("pending on support or on the
// ticket submitter"). Codes are not persisted; use the slugs in URLs.
enum class PendingOn : std::uint8_t {
  kSupport,   // some team of ours has to act
  kCustomer,  // we are waiting on the requester (or their CCs)
  kNobody,    // the ticket is closed
};

// What the customer is contacting us about, chosen on the support form. Codes are persisted.
enum class TicketType : std::uint8_t {
  kProblem = 1,     // something does not work as it should ("Problem/Bug")
  kRequest = 2,     // the customer asks us to do something ("Request")
  kSuggestion = 3,  // an idea for the product ("Product Suggestion")
};

// The workflow statuses, with the stable codes of DESIGN §2. Names shown to customers are exactly
// the seed's; see kStatusTable for them and for the customer-facing definitions.
enum class Status : std::uint8_t {
  // A new (or reopened by a customer reply) ticket sits in the support queue, not yet picked up.
  kSupportTeamNotified = 1,
  // Support asked the customer for the information needed to start; waiting for their reply.
  kWaitingOnCustomerInitialInformation = 2,
  // Support has the basics and decides whether the Product Team must clarify the behaviour.
  kSupportTeamTriaging = 3,
  // The Product Team is establishing the expected behaviour of the functionality.
  kProductTeam = 4,
  // Support has all preliminary information and investigates further.
  kSupportTeamInvestigating = 5,
  // The Technical Team joins the investigation (or, for a Request, reviews and works on it).
  kTechnicalTeam = 6,
  // The Technical Team needs more details; support prepares the request to the customer.
  kSupportTeamInformationRequest = 7,
  // The request for additional information was sent; waiting for the customer's reply.
  kWaitingOnCustomerAdditionalInformation = 8,
  // The customer answered; support relays the information to the Technical Team.
  kSupportTeamLiaising = 9,
  // The Technical Team has everything it needs and investigates in full.
  kTechnicalTeamInvestigating = 10,
  // The Development Team triages or fixes the bug and sets the release version of the fix.
  kDevelopmentTeam = 11,
  // The fix is released; the Deployment Team agrees a schedule with the customer's key contacts.
  kDeploymentTeam = 12,
  // Support asks the customer to validate a fix, or clarifies the behaviour (with workarounds).
  kSupportTeamFixValidation = 13,
  // Waiting for the customer to validate the fix or to ask about the clarification given.
  kWaitingOnCustomerFixValidation = 14,
  // Resolved (confirmed by the customer, or by an agent) or closed for lack of response.
  kClosed = 15,
};

// Where a new ticket starts, and where a customer reply within the reopen window puts a closed one.
inline constexpr Status kInitialStatus = Status::kSupportTeamNotified;

// Everything the product knows about one status.
struct StatusFacts {
  Status status;
  std::string_view name;        // shown to customers, exactly as in the seed
  std::string_view slug;        // stable, URL- and CSS-safe identifier
  std::optional<Team> owner;    // the team working on it; none while the customer or nobody owns it
  PendingOn pending_on;         // who has to act next
  std::string_view definition;  // customer-facing explanation, shown wherever the status is shown
};

// The table of facts, in code order (entry i describes code i + 1).
inline constexpr std::array<StatusFacts, 15> kStatusTable{{
    {Status::kSupportTeamNotified, "Support Team (Notified)", "support-notified", Team::kSupport,
     PendingOn::kSupport,
     "Your ticket is in our support queue and a support agent will start investigating it."},
    {Status::kWaitingOnCustomerInitialInformation, "Waiting on Customer (Initial Information)",
     "waiting-initial-information", std::nullopt, PendingOn::kCustomer,
     "We are waiting for your reply with the information we need for a preliminary "
     "investigation."},
    {Status::kSupportTeamTriaging, "Support Team (Triaging)", "support-triaging", Team::kSupport,
     PendingOn::kSupport,
     "A support agent is deciding whether the behaviour of the functionality needs to be "
     "clarified by our Product Team."},
    {Status::kProductTeam, "Product Team", "product-team", Team::kProduct, PendingOn::kSupport,
     "Our Product Team is researching what the expected behaviour of this functionality is."},
    {Status::kSupportTeamInvestigating, "Support Team (Investigating)", "support-investigating",
     Team::kSupport, PendingOn::kSupport,
     "A support agent has received all the preliminary information and is investigating "
     "further."},
    {Status::kTechnicalTeam, "Technical Team", "technical-team", Team::kTechnical,
     PendingOn::kSupport,
     "More technical assistance is needed, so our Technical Team has joined the investigation. "
     "For a Request, the Technical Team is reviewing your request and may accept it and work on "
     "it."},
    {Status::kSupportTeamInformationRequest, "Support Team (Information Request)",
     "support-information-request", Team::kSupport, PendingOn::kSupport,
     "Our Technical Team needs more details in addition to the preliminary information. A support "
     "agent is preparing an e-mail to you with that request, together with any other context "
     "needed to resolve the whole issue (for example, an answer to a secondary question)."},
    {Status::kWaitingOnCustomerAdditionalInformation,
     "Waiting on Customer (Additional Information)", "waiting-additional-information", std::nullopt,
     PendingOn::kCustomer,
     "We have sent you our request for additional information, with any other relevant context, "
     "and the ticket is waiting for your response."},
    {Status::kSupportTeamLiaising, "Support Team (Liaising)", "support-liaising", Team::kSupport,
     PendingOn::kSupport,
     "You have provided the additional information and a support agent is passing it on to our "
     "Technical Team."},
    {Status::kTechnicalTeamInvestigating, "Technical Team (Investigating)",
     "technical-investigating", Team::kTechnical, PendingOn::kSupport,
     "Our Technical Team has all the information it needs and is investigating the issue fully."},
    {Status::kDevelopmentTeam, "Development Team", "development-team", Team::kDevelopment,
     PendingOn::kSupport,
     "Our Development Team is triaging or fixing the bug, and setting the release version that "
     "will contain the fix."},
    {Status::kDeploymentTeam, "Deployment Team", "deployment-team", Team::kDeployment,
     PendingOn::kSupport,
     "The fix and the release version containing it are complete. Our Deployment Team is "
     "agreeing a deployment schedule with your organization's key contacts."},
    {Status::kSupportTeamFixValidation, "Support Team (Fix Validation)", "support-fix-validation",
     Team::kSupport, PendingOn::kSupport,
     "A support agent is either asking you to validate the permanent fix and/or the interim fix, "
     "or clarifying how the functionality behaves, with any workarounds and, where it applies, "
     "an offer to submit a Product Suggestion based on your feedback."},
    {Status::kWaitingOnCustomerFixValidation, "Waiting on Customer (Fix Validation)",
     "waiting-fix-validation", std::nullopt, PendingOn::kCustomer,
     "We are waiting for you either to validate the permanent fix and/or the interim fix, or to "
     "send us any questions about the behaviour clarification and any workaround we gave, "
     "together with, where it applies, your Product Suggestion for the support agent to submit "
     "to our Product Team."},
    {Status::kClosed, "Closed", "closed", std::nullopt, PendingOn::kNobody,
     "The issue is resolved, as confirmed by you, or you did not respond and the ticket was "
     "closed."},
}};

// The persisted code of a status (1..15).
constexpr int to_code(Status status) { return static_cast<int>(status); }

// The status with this persisted code, or nullopt for an unknown code (e.g. a corrupt row).
std::optional<Status> status_from_code(int code);
// The status with this slug (exact, case-sensitive match), or nullopt.
std::optional<Status> status_from_slug(std::string_view slug);

// Precondition: `status` is one of the enumerators (values read from outside come through
// status_from_code). Throws std::out_of_range otherwise, which is a bug in the caller.
const StatusFacts& facts(Status status);
std::string_view status_name(Status status);
std::string_view status_slug(Status status);
std::string_view status_definition(Status status);

// Who owns the status, as shown in the agent UI: the team's name, "Customer" while the customer has
// to act, "—" once closed.
std::string_view owner_label(Status status);

// All statuses, in code order.
std::span<const Status> all_statuses();
// The statuses pending on `who`, in code order (the customer's Status filter).
std::span<const Status> statuses_pending_on(PendingOn who);
// The statuses a team works on, in code order (that team's queue).
std::span<const Status> statuses_owned_by(Team team);

// True while the customer has to act (a "Waiting on Customer" status).
bool is_waiting_on_customer(Status status);
// True until the ticket is closed: someone, on either side, still has to act.
bool is_open(Status status);

// "support", "customer", "nobody".
std::string_view pending_on_slug(PendingOn who);
// "Pending on support", "Pending on you", "Closed": the labels of the customer's filter.
std::string_view pending_on_label(PendingOn who);
std::optional<PendingOn> pending_on_from_slug(std::string_view slug);

// All teams, in code order.
std::span<const Team> all_teams();
constexpr int to_code(Team team) { return static_cast<int>(team); }
std::optional<Team> team_from_code(int code);
// "support", "product", "technical", "development", "deployment".
std::string_view team_slug(Team team);
std::optional<Team> team_from_slug(std::string_view slug);
// "Support Team", "Product Team", ...: as the seed names them.
std::string_view team_name(Team team);

// All ticket types, in code order.
std::span<const TicketType> all_ticket_types();
constexpr int to_code(TicketType type) { return static_cast<int>(type); }
std::optional<TicketType> ticket_type_from_code(int code);
// "problem", "request", "suggestion".
std::string_view ticket_type_slug(TicketType type);
std::optional<TicketType> ticket_type_from_slug(std::string_view slug);
// "Problem/Bug", "Request", "Product Suggestion".
std::string_view ticket_type_label(TicketType type);

}  // namespace portico::domain
