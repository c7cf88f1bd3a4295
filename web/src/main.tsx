import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { loadConfig } from "./config";
import "./styles.css";

const root = createRoot(document.getElementById("root")!);

// The API's address comes from config.json at start (src/config.ts), not from the build.
loadConfig().then(
  () =>
    root.render(
      <StrictMode>
        <App />
      </StrictMode>,
    ),
  (error: Error) =>
    root.render(
      <main id="main">
        <h1>The shop cannot start</h1>
        <p role="alert">Its configuration could not be read: {error.message}</p>
      </main>,
    ),
);
