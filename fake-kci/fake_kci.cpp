// placeholder translation unit until the fake cloud lands
namespace kci::fake_kci {}
