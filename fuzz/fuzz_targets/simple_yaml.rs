//! The line reading of common front matter against serde_yaml: whenever
//! `simple_yaml::parse` answers, serde_yaml must read the same mapping
//! from the same text. Never panics.

#![no_main]

use cairn::content::simple_yaml::parse;
use libfuzzer_sys::fuzz_target;
use serde_yaml::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(yaml) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(m) = parse(yaml) {
        match serde_yaml::from_str::<Value>(yaml) {
            Ok(Value::Mapping(expected)) => assert_eq!(m, expected, "{yaml:?}"),
            other => panic!("serde_yaml read {other:?} from {yaml:?}; the line reading {m:?}"),
        }
    }
});
