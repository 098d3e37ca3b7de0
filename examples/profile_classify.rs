//! Runs `classify` on a 17-word message 200k times: a steady workload for profilers
//! (`valgrind --tool=callgrind target/release/examples/profile_classify`).

fn main() {
    let model = deskbot::IntentModel::load("models/intent-model.json")
        .expect("run from the repository root");
    let text =
        "Hi, I ordered a blue dress last week and still have no tracking number. Where is it?";
    let mut automated = 0usize;
    for _ in 0..200_000 {
        automated += usize::from(
            model
                .classify(std::hint::black_box(text))
                .decision
                .is_automate(),
        );
    }
    println!("{automated}");
}
