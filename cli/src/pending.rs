//! TEMPORARY stand-ins until reflection to source and the diff planner are merged.
#![allow(dead_code)]
use strata_core::{Dialect, Snapshot};


pub(crate) struct Plan;
impl Plan {
    pub fn is_empty(&self) -> bool { true }
    pub fn warnings(&self) -> &[String] { &[] }
    pub fn up_sql(&self) -> String { String::new() }
    pub fn down_sql(&self) -> String { String::new() }
}
pub(crate) fn diff(_: &Snapshot, _: &Snapshot, _: Dialect) -> Plan { Plan }
