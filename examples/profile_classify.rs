//! A steady classify workload for profilers:
//! `valgrind --tool=callgrind target/release/examples/profile_classify [varied] [MODEL]`.
//!
//! By default it classifies the README's 16-word message 200k times. With `varied` it
//! classifies the latency bench's 2,000 varied messages (`benches/support/varied_messages.rs`)
//! 20 times over instead; divide callgrind's total by 40,000 for instructions per message.
//! `MODEL` defaults to the bundled model.

#[path = "../benches/support/varied_messages.rs"]
#[allow(dead_code)]
mod varied_messages;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let varied = args.first().is_some_and(|a| a == "varied");
    let model_path = args
        .get(usize::from(varied))
        .map_or("models/intent-model.json", String::as_str);
    let model = deskbot::IntentModel::load(model_path).expect("run from the repository root");
    let texts = if varied {
        varied_messages::generate(2_000, varied_messages::SEED)
    } else {
        vec![
            "Hi, I ordered a blue dress last week and still have no tracking number. Where is it?"
                .to_owned(),
        ]
    };
    let rounds = if varied { 20 } else { 200_000 };
    let mut automated = 0usize;
    for _ in 0..rounds {
        for text in &texts {
            automated += usize::from(
                model
                    .classify(std::hint::black_box(text))
                    .decision
                    .is_automate(),
            );
        }
    }
    println!("{automated}");
}
