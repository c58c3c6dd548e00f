#include "portico/core/time.hpp"

#include <gtest/gtest.h>

namespace portico::time {
namespace {

TEST(Time, FormatsIsoInUtc) {
  EXPECT_EQ(format_iso(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_iso(1795694114), "2026-11-26T11:55:14Z");
  EXPECT_EQ(format_iso(951782400), "2000-02-29T00:00:00Z");  // a leap day
  EXPECT_EQ(format_iso(-86401), "1969-12-30T23:59:59Z");
}

TEST(Time, FormatsLocalTimeInTheZoneWithItsDaylightSaving) {
  EXPECT_EQ(format_local(1795694114, "Europe/Paris"), "26 Nov 2026, 12:55");      // UTC+1
  EXPECT_EQ(format_local(1782000000, "Europe/Paris"), "21 Jun 2026, 02:00");      // UTC+2
  EXPECT_EQ(format_local(1795694114, "America/New_York"), "26 Nov 2026, 06:55");  // UTC-5
  EXPECT_EQ(format_local(1795694114, "Asia/Kolkata"), "26 Nov 2026, 17:25");      // UTC+5:30
  EXPECT_EQ(format_local(951782400, "UTC"), "29 Feb 2000, 00:00");
}

// Times formatted one after another, in and out of daylight saving and from zone to zone, each
// get their own offset (the offset's period is kept between calls).
TEST(Time, FormatsTimesInTurnAcrossDaylightSavingAndZones) {
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(format_local(1795694114, "Europe/Paris"), "26 Nov 2026, 12:55");  // UTC+1
    EXPECT_EQ(format_local(1782000000, "Europe/Paris"), "21 Jun 2026, 02:00");  // UTC+2
    EXPECT_EQ(format_local(1795694114, "Europe/Paris"), "26 Nov 2026, 12:55");
    EXPECT_EQ(format_local(1795694114, "Asia/Kolkata"), "26 Nov 2026, 17:25");
    EXPECT_EQ(format_local(1782000000, "America/New_York"), "20 Jun 2026, 20:00");  // UTC-4
    EXPECT_EQ(format_local(1795694114, "America/New_York"), "26 Nov 2026, 06:55");  // UTC-5
    // The last second before and the first after Paris's change to summer time (29 Mar 2026,
    // 01:00 UTC).
    EXPECT_EQ(format_local(1774745999, "Europe/Paris"), "29 Mar 2026, 01:59");
    EXPECT_EQ(format_local(1774746000, "Europe/Paris"), "29 Mar 2026, 03:00");
    EXPECT_EQ(format_local(1774745999, "Europe/Paris"), "29 Mar 2026, 01:59");
  }
}

TEST(Time, FormatsYearsFarFromOurs) {
  EXPECT_EQ(format_iso(-30610224000), "1000-01-01T00:00:00Z");
  EXPECT_EQ(format_iso(-30610224001), "0999-12-31T23:59:59Z");
  EXPECT_EQ(format_local(-30610224001, "UTC"), "31 Dec 999, 23:59");
  EXPECT_EQ(format_local(-30610224000, "UTC"), "01 Jan 1000, 00:00");
  EXPECT_EQ(format_iso(253402300799), "9999-12-31T23:59:59Z");
  EXPECT_EQ(format_local(253402300799, "UTC"), "31 Dec 9999, 23:59");
  EXPECT_EQ(format_iso(253402300800), "10000-01-01T00:00:00Z");
  EXPECT_EQ(format_local(253402300800, "UTC"), "01 Jan 10000, 00:00");
}

TEST(Time, AnUnknownZoneFallsBackToUtc) {
  EXPECT_EQ(format_local(1795694114, "Mars/Olympus_Mons"), format_local(1795694114, "UTC"));
  EXPECT_EQ(format_local(1795694114, ""), "26 Nov 2026, 11:55");
}

}  // namespace
}  // namespace portico::time
