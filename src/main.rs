fn main() {
    println!("logsift");
}
