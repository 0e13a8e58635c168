//! [`BusinessTime`]: the clock read in the business calendar (`PORTAL_TIME_ZONE`), the
//! one source of "now" and "today" for every use case.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use portal_domain::BusinessCalendar;

use crate::ports::Clock;

#[derive(Clone)]
pub struct BusinessTime {
    clock: Arc<dyn Clock>,
    calendar: BusinessCalendar,
}

impl BusinessTime {
    pub fn new(clock: Arc<dyn Clock>, calendar: BusinessCalendar) -> Self {
        Self { clock, calendar }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today on the business calendar.
    pub fn today(&self) -> NaiveDate {
        self.calendar.date_of(self.clock.now())
    }

    pub fn calendar(&self) -> &BusinessCalendar {
        &self.calendar
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }
}
