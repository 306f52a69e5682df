// JSX compiled by the project's tsconfig (react-jsx from hono/jsx), no pragma needed.
import type { FC } from "hono/jsx";
import { items } from "@/routes/items";

const Page: FC<{ title: string }> = ({ title }) => (
  <html>
    <body>
      <h1>{title}</h1>
      <ul>
        {items.map((item) => (
          <li>{item.name}</li>
        ))}
      </ul>
    </body>
  </html>
);

export const page = () => <Page title="Items" />;
