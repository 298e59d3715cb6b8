// placeholder translation unit until the provider lands
namespace kci::provider {}
