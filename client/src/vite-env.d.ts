// Vite's `?url` imports: the bundler emits the file as a static asset and hands back its URL.
declare module '*?url' {
  const url: string;
  export default url;
}
