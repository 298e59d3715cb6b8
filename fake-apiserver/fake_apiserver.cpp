// placeholder translation unit until the fake control plane lands
namespace kci::fake_apiserver {}
