//! The calendar summariser over any bytes declared as an invitation.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::treat_checked("invite.ics", "text/calendar", data);
});
