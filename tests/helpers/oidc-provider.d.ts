// oidc-provider ships no types (DefinitelyTyped's lag its major versions); the test uses a few options only.
declare module 'oidc-provider' {
  const Provider: new (
    issuer: string,
    configuration: Record<string, unknown>,
  ) => { callback(): (req: unknown, res: unknown) => void };
  export default Provider;
}
