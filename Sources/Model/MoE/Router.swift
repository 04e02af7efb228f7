import Kernels

/// A router decides each token's experts and gates (into the `RoutingPlan`), and owns its auxiliary losses.
protocol Router: AnyObject {
    /// Per-layer balance loss and z-loss of the last forward, before coefficients.
    var balanceLoss: Float { get }
    var zLoss: Float { get }
    func forward(x: UnsafePointer<Float>, ctx: StepContext, plan: inout RoutingPlan, rng: inout Rng, _ p: ParameterSet)
    /// `dgate[a]` = ∂L/∂gate of assignment a from the task path. Accumulates into dx.
    func backward(dx: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, dgate: UnsafePointer<Float>,
                  plan: RoutingPlan, ctx: StepContext, balanceCoef: Float, zCoef: Float, _ p: ParameterSet)
}
