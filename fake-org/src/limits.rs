//! `GET limits`: every limit a real org lists, with `Max` and `Remaining`. Those the fake org
//! counts (API requests, stored records, Bulk API 2.0 jobs) are computed; the others are an
//! Enterprise Edition org's allocations, untouched.

use serde_json::{json, Map, Value as J};

use crate::ctx::Ctx;
use crate::org::read;
use crate::response::Response;

/// Limits the fake org does not count: name and allocation, in the order Salesforce sends them.
const FIXED: &[(&str, u64)] = &[
    ("ActiveScratchOrgs", 3),
    ("AnalyticsExternalDataSizeMB", 40_960),
    ("ConcurrentAsyncGetReportInstances", 200),
    ("ConcurrentEinsteinDataInsightsStoryCreation", 5),
    ("ConcurrentEinsteinDiscoveryStoryCreation", 2),
    ("ConcurrentSyncReportRuns", 20),
    ("DailyAnalyticsDataflowJobExecutions", 60),
    ("DailyAnalyticsUploadedFilesSizeMB", 51_200),
    ("DailyAsyncApexExecutions", 250_000),
    ("DailyAsyncApexTests", 500),
    ("DailyDeliveredPlatformEvents", 10_000),
    ("DailyDurableGenericStreamingApiEvents", 10_000),
    ("DailyDurableStreamingApiEvents", 10_000),
    ("DailyEinsteinDataInsightsStoryCreation", 1_000),
    ("DailyEinsteinDiscoveryPredictAPICalls", 50_000),
    ("DailyEinsteinDiscoveryPredictionsByCDC", 500_000),
    ("DailyEinsteinDiscoveryStoryCreation", 20),
    ("DailyFunctionsApiCallLimit", 235_000),
    ("DailyGenericStreamingApiEvents", 10_000),
    ("DailyScratchOrgs", 6),
    ("DailyStandardVolumePlatformEvents", 10_000),
    ("DailyStreamingApiEvents", 10_000),
    ("DailyWorkflowEmails", 2_000),
    ("DurableStreamingApiConcurrentClients", 20),
    ("FileStorageMB", 20_480),
    ("HourlyAsyncReportRuns", 1_200),
    ("HourlyDashboardRefreshes", 200),
    ("HourlyDashboardResults", 5_000),
    ("HourlyDashboardStatuses", 999_999_999),
    ("HourlyLongTermIdMapping", 100_000),
    ("HourlyManagedContentPublicRequests", 50_000),
    ("HourlyODataCallout", 10_000),
    ("HourlyPublishedPlatformEvents", 250_000),
    ("HourlyPublishedStandardVolumePlatformEvents", 100_000),
    ("HourlyShortTermIdMapping", 100_000),
    ("HourlySyncReportRuns", 500),
    ("HourlyTimeBasedWorkflow", 1_000),
    ("MassEmail", 5_000),
    ("MonthlyEinsteinDiscoveryStoryCreation", 500),
    ("MonthlyPlatformEventsUsageEntitlement", 0),
    ("Package2VersionCreates", 6),
    ("Package2VersionCreatesWithoutValidation", 500),
    ("PermissionSets", 1_500),
    ("PrivateConnectOutboundCalloutHourlyLimitMB", 0),
    ("PublishCallbackUsageInApex", 5_000_000),
    ("SingleEmail", 5_000),
    ("StreamingApiConcurrentClients", 2_000),
];

/// Data storage of the fake org, in MB (an Enterprise Edition org with a few licences).
const DATA_STORAGE_MB: u64 = 10_240;

fn limit(max: u64, used: u64) -> J {
    json!({"Max": max, "Remaining": max.saturating_sub(used)})
}

/// `GET limits`.
pub(crate) fn limits(ctx: &Ctx) -> Response {
    let (used, max) = ctx.org.limit_counts();
    // Salesforce counts 2 KB of data storage for most records.
    let records: usize = {
        let store = read(&ctx.org.store);
        (0..store.tables.len())
            .map(|obj| store.live_count(obj as u8))
            .sum()
    };
    let data_mb = (records as u64 * 2).div_ceil(1024);
    let jobs = ctx.org.bulk.job_count() as u64;
    let mut out: Vec<(String, J)> = FIXED
        .iter()
        .map(|(name, max)| (name.to_string(), limit(*max, 0)))
        .collect();
    out.push(("DailyApiRequests".into(), limit(max, used)));
    out.push(("DailyBulkApiBatches".into(), limit(15_000, 0)));
    out.push(("DailyBulkV2QueryFileStorageMB".into(), limit(976_562, 0)));
    out.push(("DailyBulkV2QueryJobs".into(), limit(10_000, jobs)));
    out.push(("DataStorageMB".into(), limit(DATA_STORAGE_MB, data_mb)));
    out.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some((_, p)) = out.iter_mut().find(|(n, _)| n == "PermissionSets") {
        p["CreateCustom"] = limit(1_000, 0);
    }
    let map: Map<String, J> = out.into_iter().collect();
    Response::json_value(200, &J::Object(map))
}
