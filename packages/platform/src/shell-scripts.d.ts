// `.sh` files are imported as their text: esbuild's text loader (scripts/build.mjs) in the bundles,
// test/text-transform.js under jest.
declare module '*.sh' {
  const text: string;
  export default text;
}
