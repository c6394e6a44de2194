//! Learning from incidents in numbers: response times (MTTD, MTTA, time to mitigate, MTTR),
//! incident frequency, alert accuracy, postmortem follow-through and severity calibration,
//! each by severity and by service over a period, against the period before. A pure function of what the event logs
//! recorded (`facts` reads them, `report` sums them up), never figures typed in.

pub mod calibration;
pub mod chart;
pub mod drills;
pub mod facts;
pub mod logs;
pub mod period;
pub mod report;
pub mod stats;
pub mod table;
